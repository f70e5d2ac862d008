package agreement

import (
	"fmt"
	"regexp"
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

// usernamePattern: 3 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.
var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{2,63}$`)

// UsernameRule says in words what ValidUsername accepts.
const UsernameRule = "3 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"

// ValidUsername is the one username rule, for the API and the CLI alike.
func ValidUsername(name string) error {
	if !usernamePattern.MatchString(name) {
		return fmt.Errorf("username must be %s: %w", UsernameRule, ErrInvalid)
	}
	return nil
}

// HasRole reports whether the user holds role.
func (u User) HasRole(role string) bool { return slices.Contains(u.Roles, role) }
