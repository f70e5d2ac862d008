package protocol

import (
	"errors"
	"fmt"
)

// The shared document view: the host says which document and page everyone looks at; the
// server remembers it for the room's life, tells everyone, and tells late joiners in their
// welcome.
const (
	TypeView        = "view"         // client (host only): show this page to everyone
	TypeViewChanged = "view_changed" // server: the shared view changed
)

// MaxPage is the largest page number a view may name.
const MaxPage = 100000

// View is the shared document view: a document of the agreement (its id as the API gives
// it) and a 1-based page number. Clients ignore a view naming a document they do not know
// and clamp the page to the document's page count.
type View struct {
	Document string `json:"document"`
	Page     int    `json:"page"`
	By       string `json:"by,omitempty"` // participant id of the host who set it (server messages)
}

func validateView(m *Message) error {
	if err := requireLen("document", m.Document, maxIDLen); err != nil {
		return err
	}
	if m.Page < 1 || m.Page > MaxPage {
		return fmt.Errorf("page must be 1-%d", MaxPage)
	}
	for _, r := range m.Document {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errors.New("document must be an id of letters, digits, - and _")
		}
	}
	return nil
}
