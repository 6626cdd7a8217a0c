package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoneSurrogate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		json string
		lone bool
	}{
		{`{"password":"plain"}`, false},
		{`{"password":"\u00e9t\u00e9"}`, false},
		{`{"password":"\ud83d\ude00 emoji"}`, false},
		{`{"password":"\ud800passw0rd"}`, true},
		{`{"password":"\udbffpassw0rd"}`, true},
		{`{"password":"\udc00"}`, true},
		{`{"password":"\ud83d"}`, true},
		{`{"password":"\ud83d\u0041"}`, true},
		{`{"password":"\\ud800 is text, the backslash is escaped"}`, false},
		{`{"password":"\"\ud83d\ude00"}`, false},
	} {
		assert.Equal(t, tc.lone, loneSurrogate([]byte(tc.json)), tc.json)
	}
}
