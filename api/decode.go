package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
)

// decode reads the request body into v. It writes the error response and
// returns false for a body that is too large, empty, not one JSON object,
// followed by more data, or of the wrong types. Unknown fields are
// ignored, as Coder does, since newer clients send fields older servers
// do not know.
func (a *API) decode(c *gin.Context, v any) bool {
	body, ok := a.readBody(c)
	if !ok {
		return false
	}
	if err := decodeJSON(body, v); err != nil {
		badJSON(c, err)
		return false
	}
	return true
}

// readBody reads the whole body, answering 413 past the limit.
func (a *API) readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeMessage(c, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Request body must be at most %d bytes.", tooLarge.Limit), "")
		return nil, false
	case err != nil:
		badJSON(c, fmt.Errorf("read body: %w", err))
		return nil, false
	}
	return body, true
}

func badJSON(c *gin.Context, err error) {
	write(c, http.StatusBadRequest, sdk.Response{
		Message: "Request body must be valid JSON.",
		Detail:  err.Error(),
	})
}

// jsonSpace is the white space JSON allows around values (RFC 8259);
// bytes.TrimSpace would also take Unicode spaces such as U+00A0.
const jsonSpace = " \t\r\n"

// decodeJSON decodes one JSON object from body into v.
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.Trim(body, jsonSpace)
	if len(trimmed) == 0 {
		return errors.New("the body is empty; send a JSON object")
	}
	if trimmed[0] != '{' {
		return errors.New("the body must be a JSON object")
	}
	// JSON text is UTF-8. encoding/json would replace bad bytes with
	// U+FFFD, so two different passwords or authcheck keys could decode
	// to the same string; refuse them instead.
	if !utf8.Valid(trimmed) {
		return errors.New("the body is not valid UTF-8")
	}
	// The same holds for \u escapes of half a surrogate pair, which
	// encoding/json also turns into U+FFFD.
	if loneSurrogate(trimmed) {
		return errors.New("the body escapes half of a UTF-16 surrogate pair (\\uD800-\\uDFFF without its other half)")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// loneSurrogate reports whether a JSON text has a \u escape of a high
// surrogate not followed by one of a low surrogate, or of a low surrogate
// on its own. Escapes occur only inside strings, so scanning the raw text
// for them is enough.
func loneSurrogate(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // an escaped character, such as \\ or \"
			continue
		}
		code, ok := hex4(b, i+2)
		if !ok {
			continue
		}
		switch {
		case code >= 0xDC00 && code <= 0xDFFF:
			return true
		case code >= 0xD800 && code <= 0xDBFF:
			low, ok := hex4(b, i+8)
			if i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' || !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

// hex4 reads four hex digits at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if at < 0 || at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// describeJSONError rewrites the decoder's errors without Go type names.
func describeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "the body"
		} else {
			field = fmt.Sprintf("field %q", field)
		}
		return fmt.Errorf("%s must be %s, not %s", field, jsonKind(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("invalid JSON at byte %d: %s", syntaxErr.Offset, strings.TrimPrefix(syntaxErr.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends too early")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go type as the JSON a client should send.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a different type"
}

// jsonMember is one member of a JSON object, in the order it was sent.
type jsonMember struct {
	name  string
	value json.RawMessage
}

// objectMembers splits raw, which must be one JSON object, into its
// members. A name sent twice is refused: encoding/json keeps the last of
// them, another reader may keep the first, and a strict reader must not
// pick one silently.
func objectMembers(raw []byte) ([]jsonMember, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, describeJSONError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("must be a JSON object")
	}
	var members []jsonMember
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, describeJSONError(err)
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, describeJSONError(err)
		}
		if seen[name] {
			return nil, fmt.Errorf("the name %q appears more than once", truncate(name, 64))
		}
		seen[name] = true
		members = append(members, jsonMember{name: name, value: value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, describeJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return members, nil
}

// decodeMember decodes one member's value into v, refusing null: in a
// strict object a field is either sent with a value or left out.
func decodeMember(m jsonMember, v any) error {
	if bytes.Equal(bytes.Trim(m.value, jsonSpace), []byte("null")) {
		return fmt.Errorf("field %q must not be null; leave it out instead", m.name)
	}
	if err := json.Unmarshal(m.value, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fmt.Errorf("field %q must be %s, not %s", m.name, jsonKind(typeErr.Type), typeErr.Value)
		}
		return fmt.Errorf("field %q: %w", m.name, describeJSONError(err))
	}
	return nil
}
