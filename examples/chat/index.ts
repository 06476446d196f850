/** Chat: rooms as placed actors, presence in the CRDT store, history in a Raft table. */
export { ChatInputError, startChat } from './chat.ts';
export type { Chat, ChatOptions } from './chat.ts';
export type { History, Message, Presence, RoomProtocol } from './room.ts';
