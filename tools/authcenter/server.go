package authcenter

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Server is the AC's HTTP API. Its methods are safe for concurrent use.
type Server struct {
	cfg       Config
	vectors   *vectorTable
	successes successLog
	handler   http.Handler

	mu   sync.Mutex
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// New builds a Server from cfg. It does not listen yet: call Start, or mount
// Handler on a server of your own.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, vectors: newVectorTable(cfg.MaxVectors)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathAuth, s.handleAuth)
	mux.HandleFunc("POST "+PathSuccess, s.handleSuccess)
	mux.HandleFunc("GET "+PathHealth, handleHealth)
	s.handler = mux
	return s, nil
}

// Handler returns the API's handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens (on Config.Listener, else Config.Listen) and serves in the
// background until Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("authcenter: already started")
	}
	ln := s.cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Listen); err != nil {
			return fmt.Errorf("authcenter: listen: %w", err)
		}
	}
	s.ln = ln
	s.srv, s.done = serveHTTP(ln, s.handler, s.cfg.Logger)
	s.cfg.Logger.Info("listening", zap.String("addr", ln.Addr().String()))
	return nil
}

// Addr returns the listening address, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops serving, letting requests in flight finish for up to two seconds.
// It does not close the Store.
func (s *Server) Close() error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return shutdownHTTP(srv, done)
}

// serveHTTP serves handler on ln in the background with the API's timeouts;
// done closes when serving ends.
func serveHTTP(ln net.Listener, handler http.Handler, log *zap.Logger) (*http.Server,
	chan struct{}) {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve stopped", zap.Error(err))
		}
	}()
	return srv, done
}

// shutdownHTTP stops srv, letting requests in flight finish for up to
// shutdownTimeout, and waits for serving to end.
func shutdownHTTP(srv *http.Server, done chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = srv.Close()
	}
	<-done
	return err
}

// Successes returns the number of terminal authentication successes recorded.
func (s *Server) Successes() int {
	n, _ := s.successes.snapshot()
	return n
}

// RecentSuccesses returns the last recorded successes, oldest first (at most
// Config.MaxRecentSuccesses).
func (s *Server) RecentSuccesses() []Success {
	_, recent := s.successes.snapshot()
	return recent
}

// OutstandingVectors returns the number of issued vectors not yet reported.
func (s *Server) OutstandingVectors() int { return s.vectors.len() }

func handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}

// apiError is an error answer: HTTP status and the short text of the "error" field.
type apiError struct {
	status int
	text   string
}

func (e *apiError) Error() string { return e.text }

var (
	errBodyTooLarge = &apiError{http.StatusBadRequest, "body too large"}
	errBadJSON      = &apiError{http.StatusBadRequest, "bad json"}
	errBadIdentity  = &apiError{http.StatusBadRequest, "bad identity"}
	errBadRealm     = &apiError{http.StatusBadRequest, "bad realm"}
	errWrongRealm   = &apiError{http.StatusBadRequest, "unknown realm"}
	errBadProxy     = &apiError{http.StatusBadRequest, "bad proxy"}
	errUnknownWrap  = &apiError{http.StatusBadRequest, "unknown wrap"}
	errBadNonce     = &apiError{http.StatusBadRequest, "bad nonce"}
	errNoSubscriber = &apiError{http.StatusNotFound, "unknown subscriber"}
	errNoProxy      = &apiError{http.StatusForbidden, "unknown proxy"}
	errNoNonce      = &apiError{http.StatusNotFound, "unknown nonce"}
	errInternal     = &apiError{http.StatusInternalServerError, "internal error"}
)

// decodeBody reads one JSON object of at most MaxBody bytes, with no unknown
// fields and nothing after it.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) *apiError {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data")
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errBodyTooLarge
	case err != nil:
		return errBadJSON
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorResponse{Error: e.text})
}

func (s *Server) handleAuth(w http.ResponseWriter, r *http.Request) {
	var req AuthRequest
	if e := decodeBody(w, r, &req); e != nil {
		s.refuse(w, e, "auth", req.Identity)
		return
	}
	resp, e := s.issue(&req)
	if e != nil {
		s.refuse(w, e, "auth", req.Identity)
		return
	}
	s.cfg.Logger.Info("auth vector issued", zap.String("identity", req.Identity),
		zap.String("proxy", req.Proxy), zap.String("kid", resp.KID),
		zap.String("wrap", resp.Wrap), zap.String("nonce", resp.Nonce))
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleSuccess(w http.ResponseWriter, r *http.Request) {
	var req successRequest
	if e := decodeBody(w, r, &req); e != nil {
		s.refuse(w, e, "success", req.Identity)
		return
	}
	if !validIdentity(req.Identity) {
		s.refuse(w, errBadIdentity, "success", "")
		return
	}
	if len(req.Nonce) != 2*nonceBytes {
		s.refuse(w, errBadNonce, "success", req.Identity)
		return
	}
	now := s.cfg.Now()
	if !s.vectors.consume(req.Nonce, req.Identity, now) {
		s.refuse(w, errNoNonce, "success", req.Identity)
		return
	}
	s.successes.record(Success{Identity: req.Identity, Nonce: req.Nonce, At: now},
		s.cfg.MaxRecentSuccesses)
	s.cfg.Logger.Info("terminal authentication success",
		zap.String("identity", req.Identity), zap.String("nonce", req.Nonce))
	w.WriteHeader(http.StatusNoContent)
}

// refuse answers an error and logs it at a level matching its cause. The
// identity is logged only when it passed validation's length bound.
func (s *Server) refuse(w http.ResponseWriter, e *apiError, op, identity string) {
	if !validIdentity(identity) {
		identity = ""
	}
	log := s.cfg.Logger.Info
	if e.status >= http.StatusInternalServerError {
		log = s.cfg.Logger.Error
	}
	log("request refused", zap.String("op", op), zap.Int("status", e.status),
		zap.String("reason", e.text), zap.String("identity", identity))
	writeError(w, e)
}

func validIdentity(id string) bool {
	return id != "" && len(id) <= MaxIdentity
}

// issue validates req and builds a vector for it.
func (s *Server) issue(req *AuthRequest) (*authResponse, *apiError) {
	alg, e := s.normalise(req)
	if e != nil {
		return nil, e
	}
	kc, err := s.cfg.Store.SubscriberKey(req.Identity)
	if err != nil {
		return nil, s.storeError(err, errNoSubscriber, keystore.ErrUnknownSubscriber)
	}
	defer clear(kc)
	var kid string
	var ksp []byte
	if req.Proxy != "" {
		if kid, ksp, err = s.cfg.Store.ProxyKey(req.Proxy); err != nil {
			return nil, s.storeError(err, errNoProxy, keystore.ErrUnknownProxy)
		}
		defer clear(ksp)
	}
	resp, err := s.build(req, alg, kc, kid, ksp)
	if err != nil {
		s.cfg.Logger.Error("vector not built", zap.String("identity", req.Identity),
			zap.Error(err))
		return nil, errInternal
	}
	s.vectors.add(resp.Nonce, req.Identity, s.cfg.Now().Add(s.cfg.VectorTTL))
	return resp, nil
}

// normalise applies defaults to req and validates it.
func (s *Server) normalise(req *AuthRequest) (skd.WrapAlg, *apiError) {
	if !validIdentity(req.Identity) {
		return skd.WrapNone, errBadIdentity
	}
	if req.Realm == "" {
		req.Realm = s.cfg.Realm
	}
	if !validRealm(req.Realm) {
		return skd.WrapNone, errBadRealm
	}
	if s.cfg.Realm != "" && req.Realm != s.cfg.Realm {
		return skd.WrapNone, errWrongRealm
	}
	if req.Proxy != "" && len(req.Proxy) > keystore.MaxProxyID {
		return skd.WrapNone, errBadProxy
	}
	if req.Wrap == "" {
		req.Wrap = skd.WrapAES128GCM.String()
	}
	alg, ok := skd.ParseWrapAlg([]byte(req.Wrap))
	if !ok {
		return skd.WrapNone, errUnknownWrap
	}
	req.Wrap = alg.String()
	return alg, nil
}

// storeError maps a store error: the "unknown" sentinel to its API error,
// anything else (a sealed record that does not open, I/O) to a logged 500.
func (s *Server) storeError(err error, unknown *apiError, sentinel error) *apiError {
	if errors.Is(err, sentinel) {
		return unknown
	}
	s.cfg.Logger.Error("keystore", zap.Error(err))
	return errInternal
}

// build makes the vector: nonce, HA1s, SK, the wrapped copies.
func (s *Server) build(req *AuthRequest, alg skd.WrapAlg, kc []byte, kid string,
	ksp []byte) (*authResponse, error) {
	var n [nonceBytes]byte
	if _, err := io.ReadFull(s.rand(), n[:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	resp := &authResponse{Nonce: hex.EncodeToString(n[:]), Realm: req.Realm, Wrap: req.Wrap}
	var err error
	if resp.HA1, err = ha1s(req.Identity, req.Realm, kc); err != nil {
		return nil, err
	}
	sk, err := skd.NewSessionKey(s.rand())
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	defer clear(sk[:])
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientTerminal), Identity: []byte(req.Identity),
		Realm: []byte(req.Realm), Nonce: []byte(resp.Nonce)}
	kek := skd.TerminalKEK(kc)
	if resp.Terminal, err = wrapB64(alg, &kek, ad, sk[:], s.rand()); err != nil {
		return nil, err
	}
	if ksp == nil {
		resp.SK = base64.StdEncoding.EncodeToString(sk[:])
		return resp, nil
	}
	ad.Recipient, ad.KID = []byte(skd.RecipientProxy), []byte(kid)
	kek = skd.ProxyKEK(ksp)
	resp.KID = kid
	resp.Proxy, err = wrapB64(alg, &kek, ad, sk[:], s.rand())
	return resp, err
}

func (s *Server) rand() io.Reader { return s.cfg.Rand }

func ha1s(identity, realm string, kc []byte) (map[string]string, error) {
	pw := skd.DigestPassword(kc)
	out := make(map[string]string, 2)
	for _, alg := range []string{skd.DigestMD5, skd.DigestSHA256} {
		h, err := skd.HA1(alg, identity, realm, pw)
		if err != nil {
			return nil, err
		}
		out[alg] = h
	}
	return out, nil
}

func wrapB64(alg skd.WrapAlg, kek *[skd.KEKSize]byte, ad *skd.WrapAD, sk []byte,
	rnd io.Reader) (string, error) {
	defer clear(kek[:])
	blob, err := skd.WrapKey(alg, kek, ad, sk, rnd)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(blob), nil
}
