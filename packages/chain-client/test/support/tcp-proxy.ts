import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between a WebSocket client and the node, to cut the connection at chosen moments:
 * on a message from the node, or on a client message before it reaches the node. Client frames
 * are masked, so the client's side is parsed frame by frame.
 */
export class TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  accepted = 0;
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #refusing = false;
  #onServer: { pattern: string; fired: () => void } | undefined;
  #onClient: { pattern: string; fired: () => void } | undefined;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy) proxy.#accept(client, targetPort);
      else client.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection. */
  cut(): void {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Refuses (closes at once) new connections until `accept()`. */
  refuse(): void {
    this.#refusing = true;
  }

  accept(): void {
    this.#refusing = false;
  }

  /**
   * The next chunk from the node that contains `pattern` is not delivered: the connections are
   * cut instead. Resolves when that happened.
   */
  cutOnNodeMessage(pattern: string): Promise<void> {
    return new Promise((fired) => {
      this.#onServer = { pattern, fired };
    });
  }

  /**
   * The next text message from the client that contains `pattern` is not delivered: the
   * connections are cut instead. Resolves when that happened.
   */
  cutOnClientMessage(pattern: string): Promise<void> {
    return new Promise((fired) => {
      this.#onClient = { pattern, fired };
    });
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, targetPort: number): void {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);

    upstream.on('data', (chunk: Buffer) => {
      const armed = this.#onServer;
      if (armed && chunk.includes(armed.pattern)) {
        this.#onServer = undefined;
        this.cut();
        armed.fired();
        return;
      }
      client.write(chunk);
    });

    let handshake = true;
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (handshake) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        upstream.write(pending.subarray(0, end + 4));
        pending = pending.subarray(end + 4);
        handshake = false;
      }
      for (;;) {
        const frame = readFrame(pending);
        if (!frame) return;
        pending = pending.subarray(frame.length);
        const armed = this.#onClient;
        if (armed && frame.text?.includes(armed.pattern)) {
          this.#onClient = undefined;
          this.cut();
          armed.fired();
          return;
        }
        upstream.write(frame.raw);
      }
    });
  }
}

/** One complete WebSocket frame at the start of `buffer`, or undefined when it is incomplete. */
function readFrame(buffer: Buffer): { length: number; raw: Buffer; text?: string } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = buffer[0]! & 0x0f;
  const masked = (buffer[1]! & 0x80) !== 0;
  let payloadLength = buffer[1]! & 0x7f;
  let offset = 2;
  if (payloadLength === 126) {
    if (buffer.length < 4) return undefined;
    payloadLength = buffer.readUInt16BE(2);
    offset = 4;
  } else if (payloadLength === 127) {
    if (buffer.length < 10) return undefined;
    payloadLength = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  const length = offset + payloadLength;
  if (buffer.length < length) return undefined;
  const raw = buffer.subarray(0, length);
  if (opcode !== 1) return { length, raw };
  const payload = Buffer.from(buffer.subarray(offset, length));
  if (masked) {
    for (let i = 0; i < payload.length; i++)
      payload[i] = payload[i]! ^ buffer[maskOffset + (i % 4)]!;
  }
  return { length, raw, text: payload.toString('utf8') };
}
