package flood

import (
	"bytes"
	"strconv"
)

// statusOf returns a SIP response's status code (0 for anything else) and
// whether it carries Retry-After.
func statusOf(b []byte) (code int, retryAfter bool) {
	if !bytes.HasPrefix(b, []byte("SIP/2.0 ")) || len(b) < 11 {
		return 0, false
	}
	code, err := strconv.Atoi(string(b[8:11]))
	if err != nil {
		return 0, false
	}
	return code, bytes.Contains(b, []byte("\r\nRetry-After:"))
}
