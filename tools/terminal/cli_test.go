package terminal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReadKeys(t *testing.T) {
	kc := bytes.Repeat([]byte{7}, 32)
	b64 := base64.StdEncoding.EncodeToString(kc)
	raw := base64.RawURLEncoding.EncodeToString(kc)
	for name, in := range map[string]string{
		"space":  "# exported\n\nalice " + b64 + "\nbob\t" + raw + "\n",
		"colon":  "alice:" + b64 + "\nbob: " + b64 + "\n",
		"equals": "alice=" + b64 + "\nbob=" + b64,
		"comma":  "alice," + b64 + "\r\nbob," + b64 + "\r\n",
		"object": `{"alice":"` + b64 + `","bob":"` + b64 + `"}`,
		"array":  `[{"identity":"alice","kc":"` + b64 + `"},{"identity":"bob","kc":"` + raw + `"}]`,
	} {
		keys, err := ReadKeys(strings.NewReader(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(keys) != 2 || keys[0].Identity != "alice" || keys[1].Identity != "bob" ||
			!bytes.Equal(keys[0].Kc, kc) || !bytes.Equal(keys[1].Kc, kc) {
			t.Errorf("%s: got %v", name, keys)
		}
	}
	for name, in := range map[string]string{
		"no-separator": "alice\n",
		"bad-base64":   "alice !!!!\n",
		"bad-json":     `{"alice":1}`,
		"long-line":    "alice " + strings.Repeat("A", maxKeyLine+10) + "\n",
	} {
		if _, err := ReadKeys(strings.NewReader(in)); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%s: err %v, want ErrBadKeyFile", name, err)
		}
	}
}

func TestSubscriberKeyRedacted(t *testing.T) {
	k := SubscriberKey{Identity: "alice", Kc: []byte("supersecretkeybytes-supersecret!")}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, "supersecret") || !strings.Contains(s, "alice") {
			t.Errorf("printed as %q", s)
		}
	}
}

func TestSplitOffer(t *testing.T) {
	got := SplitOffer(" ascon128a-v12;q=0.9, hmac-sha256;q=0.5,, ")
	want := []string{"ascon128a-v12;q=0.9", "hmac-sha256;q=0.5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	if SplitOffer("") != nil {
		t.Error("empty offer is not nil")
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	err := WriteTable(&b, []Report{
		{Identity: "alice", Mechanism: "hmac-sha256", SKOpened: true, MACVerified: true,
			Elapsed: 1500 * time.Microsecond, Outcome: OutcomeRegistered},
		{Identity: "bob", Outcome: OutcomeRefused},
		{Identity: "carol", Outcome: OutcomeRegistered},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"IDENTITY",
		"alice     hmac-sha256  yes        yes           1.5ms  registered",
		"bob       -            no         no            0s     refused", "2 registered\n", "1 refused\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
