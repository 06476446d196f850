/**
 * Reads a streamed HTTP response body (a watch, server-sent events) in the background and hands
 * `onMessage` each non-empty message, split at `separator` (`'\n'` for JSON lines, `'\n\n'` for
 * server-sent events). Returns at once; reading ends with the body or when the request's
 * `AbortSignal` fires.
 *
 * ```ts
 * const ac = new AbortController();
 * readMessages(await fetch(url, { signal: ac.signal }), '\n', (line) => onEvent(JSON.parse(line)));
 * ac.abort(); // stops reading
 * ```
 */
export function readMessages(res: Response, separator: string, onMessage: (message: string) => void): void {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buf.indexOf(separator)) >= 0) {
          const message = buf.slice(0, end).trim();
          buf = buf.slice(end + separator.length);
          if (message.length > 0) onMessage(message);
        }
      }
    } catch {
      // aborted
    }
  })();
}
