package service_test

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/api/service"
)

// FuzzParseToken: a token is accepted exactly when it is 10 letters or
// digits, a hyphen and 22 more, and then splits at the hyphen.
func FuzzParseToken(f *testing.F) {
	for _, seed := range []string{
		"abcdefghij-abcdefghijklmnopqrstuv",
		"0123456789-ABCDEFGHIJKLMNOPQRSTUV",
		"abcdefghij_abcdefghijklmnopqrstuv",
		"abcdefghij-abcdefghijklmnopqrstu",
		"abcdefghij-abcdefghijklmnopqrstuvw",
		"abcdéfghi-abcdefghijklmnopqrstuv",
		"abcdefghij-abcdefghijklmnopqrst\x00",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, secret, ok := service.ParseToken(token)
		want := wellFormed(token)
		if ok != want {
			t.Fatalf("ParseToken(%q) ok = %v, want %v", token, ok, want)
		}
		if !ok {
			if id != "" || secret != "" {
				t.Fatalf("ParseToken(%q) refused it but returned %q, %q", token, id, secret)
			}
			return
		}
		if id+"-"+secret != token || len(id) != 10 || len(secret) != 22 {
			t.Fatalf("ParseToken(%q) = %q, %q", token, id, secret)
		}
	})
}

// wellFormed is the token shape, written independently of ParseToken.
func wellFormed(token string) bool {
	id, secret, found := strings.Cut(token, "-")
	return found && len(id) == 10 && len(secret) == 22 && alnum(id) && alnum(secret)
}

func alnum(s string) bool {
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}
