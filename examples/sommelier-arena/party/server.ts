// The Sommelier Arena game room: players join a room (one room per tasting), each
// answer a player sends is broadcast to the other players, and an HTTP GET on the
// room answers its status as JSON (used by health checks and tests).
import type * as Party from "partykit/server";

// What the room sends to clients. Every message is one JSON object with a "type".
type Outgoing =
  | { type: "welcome"; room: string; id: string; players: number }
  | { type: "join"; room: string; id: string; players: number }
  | { type: "leave"; room: string; id: string; players: number }
  | { type: "answer"; room: string; from: string; answer: unknown; at: number }
  | { type: "error"; message: string };

// The largest message relayed; a quiz answer is a few hundred bytes.
const MAX_MESSAGE_BYTES = 16 * 1024;

export default class GameRoom implements Party.Server {
  constructor(readonly room: Party.Room) {}

  players(): number {
    let n = 0;
    for (const _ of this.room.getConnections()) n++;
    return n;
  }

  onConnect(conn: Party.Connection) {
    const players = this.players();
    send(conn, { type: "welcome", room: this.room.id, id: conn.id, players });
    this.broadcast({ type: "join", room: this.room.id, id: conn.id, players }, [conn.id]);
  }

  onClose(conn: Party.Connection) {
    this.broadcast({ type: "leave", room: this.room.id, id: conn.id, players: this.players() });
  }

  // A client sends {"type":"answer", ...anything} or any other JSON value or text;
  // the others receive it as {"type":"answer","from":<sender>,"answer":<payload>}.
  onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection) {
    if (typeof message !== "string") {
      send(sender, { type: "error", message: "binary messages are not supported; send JSON text" });
      return;
    }
    if (message.length > MAX_MESSAGE_BYTES) {
      send(sender, { type: "error", message: `message too large (${message.length} > ${MAX_MESSAGE_BYTES} bytes)` });
      return;
    }
    let answer: unknown = message;
    try {
      answer = JSON.parse(message);
    } catch {
      // Plain text is relayed as a string.
    }
    this.broadcast({ type: "answer", room: this.room.id, from: sender.id, answer, at: Date.now() }, [sender.id]);
  }

  onRequest(req: Party.Request): Response {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return Response.json({ error: `method ${req.method} not allowed; use GET` }, { status: 405, headers: { allow: "GET, HEAD" } });
    }
    return Response.json({ room: this.room.id, connections: this.players() });
  }

  broadcast(msg: Outgoing, without?: string[]) {
    this.room.broadcast(JSON.stringify(msg), without);
  }
}

function send(conn: Party.Connection, msg: Outgoing) {
  conn.send(JSON.stringify(msg));
}

GameRoom satisfies Party.Worker;
