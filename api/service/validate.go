package service

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/schema"
)

// validator collects field errors and turns them into one 400.
type validator struct {
	errs []sdk.ValidationError
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, sdk.ValidationError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: "Validation failed.", Validations: v.errs}
}

// nameRE is Coder's rule for usernames, organization and group names:
// letters and digits, in runs joined by single hyphens.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$`)

// maxNameLength is Coder's limit on usernames and organization names.
const maxNameLength = 32

func (v *validator) name(field, value string) {
	switch {
	case value == "":
		v.add(field, "%s is required.", field)
	case len(value) > maxNameLength:
		v.add(field, "%s must be at most %d characters.", field, maxNameLength)
	case !nameRE.MatchString(value):
		v.add(field, "%s may contain only letters, digits and single hyphens between them.", field)
	}
}

// maxDisplayLength bounds free-text names (display names, a user's name).
const maxDisplayLength = 128

// storable reports whether s can be stored and looked up on every
// database authgate runs on: Postgres refuses text with a NUL character or
// invalid UTF-8 in any statement, so such a value must be refused, or
// found to name nothing, before it reaches a query.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func (v *validator) text(field, value string) {
	switch {
	case !storable(value):
		v.add(field, "%s must be valid UTF-8 without NUL characters.", field)
	case utf8.RuneCountInString(value) > maxDisplayLength:
		v.add(field, "%s must be at most %d characters.", field, maxDisplayLength)
	}
}

// normalizeEmail trims an email and puts it in Unicode normalization form
// C, so that an address typed with composed or decomposed accents is one
// address, as a password is one password. The store ignores letter case.
func normalizeEmail(email string) string {
	return norm.NFC.String(strings.TrimSpace(email))
}

// maxEmailLength is the longest address SMTP allows.
const maxEmailLength = 254

func (v *validator) email(field, value string) {
	if value == "" {
		v.add(field, "email is required.")
		return
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || len(value) > maxEmailLength || addr.Name != "" {
		v.add(field, "%q is not an email address.", truncate(value, 64))
	}
}

// Password limits. bcrypt reads at most 72 bytes and ignores the rest, so
// a longer password is refused rather than silently cut.
const (
	minPasswordLength = 8
	maxPasswordBytes  = 72
)

// normalizePassword applies the PRECIS OpaqueString profile (RFC 8265):
// Unicode normalization form C and one kind of space, so a password typed
// with composed or decomposed accents is the same password.
func normalizePassword(password string) (string, error) {
	return precis.OpaqueString.String(password)
}

// password validates a new password and returns its normalized form.
func (v *validator) password(field, value string) string {
	if value == "" {
		v.add(field, "password is required.")
		return ""
	}
	norm, err := normalizePassword(value)
	switch {
	case err != nil:
		v.add(field, "password contains characters that cannot be used in a password (control or unassigned characters).")
	case utf8.RuneCountInString(norm) < minPasswordLength:
		v.add(field, "password must be at least %d characters.", minPasswordLength)
	case len(norm) > maxPasswordBytes:
		v.add(field, "password must be at most %d bytes (UTF-8); longer ones cannot be stored without cutting them.", maxPasswordBytes)
	}
	return norm
}

// uuid validates an id and returns its canonical form.
func (v *validator) uuid(field, value string) string {
	id, ok := schema.CanonicalUUID(value)
	if !ok {
		v.add(field, "%q is not a UUID.", truncate(value, 64))
	}
	return id
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// roleNames validates requested role names against the grantable roles;
// implicit names the caller may include (member, organization-member) are
// dropped.
func roleNames(requested []string, roles []schema.Role, implicit string) ([]string, error) {
	var v validator
	var out []string
	seen := map[string]bool{}
	for _, name := range requested {
		if name == implicit || seen[name] {
			continue
		}
		seen[name] = true
		if _, ok := schema.FindRole(roles, name); !ok {
			v.add("roles", "%q is not a role that can be assigned here; valid roles are: %s.",
				truncate(name, 64), strings.Join(schema.RoleNames(roles), ", "))
			continue
		}
		out = append(out, name)
	}
	return out, v.err()
}
