package agreement

import (
	"slices"
	"time"
)

// User is a staff account: an organizer, legal staff, an archivist or an admin. Roles are
// the staff role names of package auth ("admin", "organizer", "legal", "archivist").
type User struct {
	ID           string
	Username     string
	DisplayName  string
	Roles        []string
	Disabled     bool
	PasswordHash string // argon2id PHC string; never shown, never logged
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// HasRole reports whether the user holds role.
func (u User) HasRole(role string) bool { return slices.Contains(u.Roles, role) }
