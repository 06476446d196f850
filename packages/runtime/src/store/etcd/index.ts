/** The etcd store: the CP store on an existing etcd cluster. See `store.ts` and docs/etcd.md. */
export { startEtcdStore, EtcdStore } from './store.ts';
export type { EtcdStoreOptions, TxnResult } from './store.ts';
export { EtcdCompactedError, EtcdConflictError } from './errors.ts';
export type { EtcdChange, StoreImage } from './feed.ts';
export { pollStatus } from './status.ts';
export type { EtcdStatus, EtcdMemberView } from './status.ts';
