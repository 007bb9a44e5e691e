//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/coder/websocket"
)

// roomMsg is a message of the example's PartyKit game room (party/server.ts).
type roomMsg struct {
	Type    string          `json:"type"`
	Room    string          `json:"room"`
	ID      string          `json:"id"`
	From    string          `json:"from"`
	Players int             `json:"players"`
	Answer  json.RawMessage `json:"answer"`
	Message string          `json:"message"`
}

// answerLabel is the "label" of an answer payload, "" when it has none.
func (m roomMsg) answerLabel() string {
	var a struct {
		Label string `json:"label"`
	}
	_ = json.Unmarshal(m.Answer, &a)
	return a.Label
}

// roomClient is a player connected to a room over a plain WebSocket.
type roomClient struct {
	conn *websocket.Conn
	id   string // the connection id the room gave it
}

// joinRoom connects to ws://127.0.0.1:PORT/parties/main/ROOM and reads the welcome.
func joinRoom(ctx context.Context, t testing.TB, port int, room string) *roomClient {
	t.Helper()
	url := fmt.Sprintf("ws://127.0.0.1:%d/parties/main/%s", port, room)
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("joining %s: %v", url, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &roomClient{conn: conn}
	welcome, err := c.readUntil(ctx, func(m roomMsg) bool { return m.Type == "welcome" })
	if err != nil {
		t.Fatalf("no welcome from %s: %v", url, err)
	}
	if welcome.Room != room || welcome.ID == "" {
		t.Fatalf("welcome from %s = %+v, want room %q and a connection id", url, welcome, room)
	}
	c.id = welcome.ID
	return c
}

func (c *roomClient) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.conn.Write(ctx, websocket.MessageText, b)
}

// readUntil reads messages until one satisfies match.
func (c *roomClient) readUntil(ctx context.Context, match func(roomMsg) bool) (roomMsg, error) {
	for {
		typ, data, err := c.conn.Read(ctx)
		if err != nil {
			return roomMsg{}, err
		}
		if typ != websocket.MessageText {
			return roomMsg{}, fmt.Errorf("got a %v message, want text", typ)
		}
		var m roomMsg
		if err := json.Unmarshal(data, &m); err != nil {
			return roomMsg{}, fmt.Errorf("message %q is not JSON: %v", data, err)
		}
		if match(m) {
			return m, nil
		}
	}
}
