// Package bench holds the system benchmark (bench/run and its helpers in
// bench/lib.sh); its tests check the script's syntax and the helpers that turn
// measurements into the table, without running any load.
package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sh runs a bash snippet with bench/lib.sh sourced and returns its output.
func sh(t *testing.T, script string) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	out, err := exec.Command("bash", "-c", ". ./lib.sh\n"+script).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

func TestRunParses(t *testing.T) {
	sh(t, "bash -n ./run")
}

func TestMedianTable(t *testing.T) {
	dir := t.TempDir()
	reps := []string{
		"floor\t100\t10.5\t20\t1.00\t-\t-\t300\t50\t7.3\t0\nkam\tskipped: kamailio not installed\n",
		"floor\t120\t12.5\t22\t1.00\t-\t-\t100\t-40\t7.3\t0\nkam\tskipped: kamailio not installed\n",
		"floor\t110\t11\t21\t1.00\t-\t-\t200\t60\t7.4\t1\nkam\tskipped: kamailio not installed\n",
	}
	for i, r := range reps {
		if err := os.WriteFile(filepath.Join(dir, "rep"+string(rune('1'+i))+".tsv"),
			[]byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := sh(t, "median_table "+dir+"/rep*.tsv")
	want := "| floor | 110 (100–120) | 11 (10.5–12.5) | 21 (20–22) | 1 | - | - | " +
		"200 (100–300) | 50 (-40–60) | 7.30 (7.30–7.40) | 0 (0–1) |\n" +
		"| kam | skipped: kamailio not installed | | | | | | | | | |\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONNumber(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s.json")
	doc := `{
  "transactions": 42,
  "failed": 0,
  "registration_latency_us": {
    "p99": 17.5
  },
  "transaction_latency_us": {
    "p99": 9.25
  }
}
`
	if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got := sh(t, "jnum "+f+" transactions; jnum "+f+" p99 transaction_latency_us; "+
		"jnum "+f+" p99")
	if want := "42\n9.25\n17.5\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCalcAndSteal(t *testing.T) {
	got := strings.Fields(sh(t, `calc "12345678901 / 1000"; echo; calc "(30 - 10) / 2"; echo
c=$(cpu_times); steal_pct "$c"`))
	if len(got) != 3 || got[0] != "12345678.9" || got[1] != "10" {
		t.Fatalf("got %q", got)
	}
	if n, err := strconv.Atoi(got[2]); err != nil || n < 0 || n > 100 {
		t.Errorf("steal %q", got[2])
	}
}
