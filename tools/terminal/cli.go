package terminal

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// ErrBadKeyFile reports a terminal key list that cannot be read.
var ErrBadKeyFile = errors.New("terminal: bad key file")

const (
	// maxKeyFileSize bounds a key list: a million subscribers at ~200 bytes a line.
	maxKeyFileSize = 200 << 20
	// maxKeyLine bounds one line of a key list: an identity plus a base64 key.
	maxKeyLine = 4096
)

// SubscriberKey is one identity and its long-term key Kc.
type SubscriberKey struct {
	Identity string
	Kc       []byte
}

// String hides the key, so a SubscriberKey can never be printed with it.
func (k SubscriberKey) String() string { return k.Identity + " kc=[redacted]" }

// GoString hides the key from %#v as well.
func (k SubscriberKey) GoString() string { return k.String() }

// ReadKeys reads the identity -> Kc list that `authcenter add-subscriber
// --export-terminal-keys` writes, in file order. Accepted forms: a JSON object
// {"identity":"<b64>"} or array [{"identity":..,"kc":..}], or lines "identity <b64>"
// where the separator is white space, ':', '=' or ','; empty lines and lines starting
// with '#' are skipped.
func ReadKeys(r io.Reader) ([]SubscriberKey, error) {
	br := bufio.NewReader(io.LimitReader(r, maxKeyFileSize))
	first, err := br.Peek(1)
	if err == nil && (first[0] == '{' || first[0] == '[') {
		return readJSONKeys(br)
	}
	var keys []SubscriberKey
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 256), maxKeyLine)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		id, b64, ok := splitKeyLine(s)
		if !ok {
			return nil, fmt.Errorf("%w: line %d has no separator", ErrBadKeyFile, line)
		}
		k, err := decodeKey(id, b64)
		if err != nil {
			return nil, fmt.Errorf("%w (line %d)", err, line)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKeyFile, err)
	}
	return keys, nil
}

// keySeparators may sit between an identity and its key. Identities hold none of
// them, and the key's own '=' padding comes after the identity.
const keySeparators = " \t:=,"

// splitKeyLine cuts "identity<separators>key".
func splitKeyLine(s string) (id, key string, ok bool) {
	i := strings.IndexAny(s, keySeparators)
	if i <= 0 {
		return "", "", false
	}
	return s[:i], strings.TrimLeft(s[i:], keySeparators), true
}

func readJSONKeys(r io.Reader) ([]SubscriberKey, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKeyFile, err)
	}
	var keys []SubscriberKey
	if tok == json.Delim('{') {
		for dec.More() {
			var id, b64 string
			if t, err := dec.Token(); err == nil {
				id, _ = t.(string)
			}
			if err := dec.Decode(&b64); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrBadKeyFile, err)
			}
			k, err := decodeKey(id, b64)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
		return keys, nil
	}
	for dec.More() {
		var e struct{ Identity, Kc string }
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKeyFile, err)
		}
		k, err := decodeKey(e.Identity, e.Kc)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// decodeKey decodes a standard or URL-safe base64 key; errors never quote the key.
func decodeKey(id, b64 string) (SubscriberKey, error) {
	if id == "" {
		return SubscriberKey{}, fmt.Errorf("%w: empty identity", ErrBadKeyFile)
	}
	kc, err := DecodeKc(b64)
	if err != nil {
		return SubscriberKey{}, fmt.Errorf("%w: key of %q: %w", ErrBadKeyFile, id, err)
	}
	return SubscriberKey{Identity: id, Kc: kc}, nil
}

// DecodeKc decodes a base64 Kc (standard or URL-safe, padded or not). The error never
// holds the input.
func DecodeKc(b64 string) ([]byte, error) {
	b64 = strings.TrimSpace(b64)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding} {
		if kc, err := enc.DecodeString(b64); err == nil {
			return kc, nil
		}
	}
	return nil, errors.New("not base64")
}

// SplitOffer splits a command-line offer "a;q=0.9, b;q=0.5" into trimmed entries.
func SplitOffer(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// WriteTable writes one row per report: identity, mechanism, SK opened, MAC verified,
// time and outcome, then a count of outcomes.
func WriteTable(w io.Writer, reports []Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTITY\tMECHANISM\tSK OPENED\tMAC VERIFIED\tTIME\tOUTCOME")
	counts := map[string]int{}
	var order []string
	for i := range reports {
		r := &reports[i]
		mech := r.Mechanism
		if mech == "" {
			mech = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Identity, mech, yesNo(r.SKOpened),
			yesNo(r.MACVerified), r.Elapsed.Round(100*time.Microsecond), r.Outcome)
		if counts[r.Outcome] == 0 {
			order = append(order, r.Outcome)
		}
		counts[r.Outcome]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, o := range order {
		if _, err := fmt.Fprintf(w, "%d %s\n", counts[o], o); err != nil {
			return err
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
