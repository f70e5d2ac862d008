package protocol

import (
	"errors"
	"fmt"
	"strings"
)

func (m *Message) validate() error {
	check, ok := validators[m.Type]
	if !ok {
		if m.Type == "" {
			return errors.New("missing type")
		}
		return errors.New("unknown type")
	}
	return check(m)
}

// validators holds one rule per client message type. It is never modified.
var validators = map[string]func(*Message) error{
	TypeJoin:              validateJoin,
	TypeOffer:             validateOffer,
	TypeAnswer:            validateAnswer,
	TypeCandidate:         validateCandidate,
	TypeMute:              validateMute,
	TypeMuteParticipant:   validateMuteParticipant,
	TypeRemoveParticipant: validateRemove,
	TypePing:              func(*Message) error { return nil },
	TypeLeave:             func(*Message) error { return nil },
	TypeRestartICE:        func(*Message) error { return nil },
	TypeView:              validateView,
}

func validateJoin(m *Message) error {
	return requireLen("token", m.Token, maxTokenLen)
}

func validateOffer(m *Message) error {
	if err := requireLen("sdp", m.SDP, maxSDPLen); err != nil {
		return err
	}
	if len(m.Sources) > maxSources {
		return fmt.Errorf("more than %d sources", maxSources)
	}
	for id, src := range m.Sources {
		if id == "" || len(id) > maxIDLen {
			return errors.New("source key must be a track id of 1-128 bytes")
		}
		if !validSource(src) || len(src) > maxSourceName {
			return errors.New("source must be microphone, camera or screen")
		}
	}
	return nil
}

func validateAnswer(m *Message) error {
	return requireLen("sdp", m.SDP, maxSDPLen)
}

func validateCandidate(m *Message) error {
	if m.Target != TargetPublisher && m.Target != TargetSubscriber {
		return errors.New("target must be publisher or subscriber")
	}
	if m.Candidate == nil {
		return errors.New("missing candidate")
	}
	if len(m.Candidate.Candidate) > maxCandLen {
		return fmt.Errorf("candidate longer than %d bytes", maxCandLen)
	}
	if strings.ContainsAny(m.Candidate.Candidate, "\r\n") {
		return errors.New("candidate contains a line break")
	}
	if mid := m.Candidate.SDPMid; mid != nil && len(*mid) > maxIDLen {
		return errors.New("sdpMid too long")
	}
	if uf := m.Candidate.UsernameFragment; uf != nil && len(*uf) > maxIDLen {
		return errors.New("usernameFragment too long")
	}
	return nil
}

func validateMute(m *Message) error {
	if !validSource(m.Source) {
		return errors.New("source must be microphone, camera or screen")
	}
	if m.Muted == nil {
		return errors.New("missing muted")
	}
	return nil
}

func validateMuteParticipant(m *Message) error {
	if err := requireLen("participant", m.Participant, maxIDLen); err != nil {
		return err
	}
	if m.Source == "" {
		m.Source = SourceMicrophone
	}
	if !validSource(m.Source) {
		return errors.New("source must be microphone, camera or screen")
	}
	return nil
}

func validateRemove(m *Message) error {
	return requireLen("participant", m.Participant, maxIDLen)
}

func requireLen(name, v string, max int) error {
	if v == "" {
		return fmt.Errorf("missing %s", name)
	}
	if len(v) > max {
		return fmt.Errorf("%s longer than %d bytes", name, max)
	}
	return nil
}

func validSource(s string) bool {
	return s == SourceMicrophone || s == SourceCamera || s == SourceScreen
}
