// Colyseus peer for lobbyd's benchmark: one room type with 8 seats, matchmaking over HTTP
// (POST /matchmake/joinOrCreate/lobby), as a game would run it.
import { Room, Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";

class Lobby extends Room {
  maxClients = 8;
  onCreate() {}
  onJoin() {}
  onLeave() {}
}

const port = Number(process.env.PORT || 2567);
const server = new Server({ transport: new WebSocketTransport(), greet: false });
server.define("lobby", Lobby);
await server.listen(port, "127.0.0.1");
console.log(`colyseus listening on 127.0.0.1:${port}`);
