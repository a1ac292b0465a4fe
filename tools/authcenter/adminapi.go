package authcenter

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
)

// Paths of the key-administration API (Admin). {proxy} and {kid} are the
// keystore's names (keystore.MaxProxyID, keystore.MaxKID).
const (
	PathAdminKeys    = "/v1/admin/proxies/{proxy}/keys"
	PathAdminKey     = "/v1/admin/proxies/{proxy}/keys/{kid}"
	PathAdminCurrent = "/v1/admin/proxies/{proxy}/current"
	PathAdminExport  = "/v1/admin/proxies/{proxy}/export"
)

// Admin is the AC's key-administration API: it adds, stages, activates,
// retires and exports proxy keys while the AC serves, which the command-line
// subcommands cannot do (the store's file is locked by the running AC). It is
// served apart from the softswitch-facing API so that an operator binds it to
// a management address only; it has no authentication of its own.
type Admin struct {
	store     keystore.SubscriberStore
	exportDir string
	log       *zap.Logger
	handler   http.Handler

	mu   sync.Mutex
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// NewAdmin returns the API over store. Exports are written to exportDir as
// <proxy>.keys, sealed under <proxy>-master.key (created when missing).
func NewAdmin(store keystore.SubscriberStore, exportDir string, log *zap.Logger) (*Admin, error) {
	if store == nil {
		return nil, ErrNoStore
	}
	if exportDir == "" {
		return nil, errors.New("authcenter: admin API needs an export directory")
	}
	if log == nil {
		log = zap.NewNop()
	}
	a := &Admin{store: store, exportDir: exportDir, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathAdminKeys, a.handleAdd)
	mux.HandleFunc("DELETE "+PathAdminKey, a.handleRemove)
	mux.HandleFunc("PUT "+PathAdminCurrent, a.handleCurrent)
	mux.HandleFunc("POST "+PathAdminExport, a.handleExport)
	a.handler = mux
	return a, nil
}

// Handler returns the API's handler (for tests and embedding).
func (a *Admin) Handler() http.Handler { return a.handler }

// AddKeyRequest is the body of POST PathAdminKeys: KID "" takes the next
// numeric id; Stage keeps the current key current.
type AddKeyRequest struct {
	KID   string `json:"kid"`
	Stage bool   `json:"stage"`
}

// KeyAnswer reports the key id an add or activation concerned.
type KeyAnswer struct {
	KID string `json:"kid"`
}

// CurrentRequest is the body of PUT PathAdminCurrent.
type CurrentRequest struct {
	KID string `json:"kid"`
}

// ExportAnswer reports an export: the files written and how many keys.
type ExportAnswer struct {
	Keys      int    `json:"keys"`
	KeyFile   string `json:"key_file"`
	MasterKey string `json:"master_key"`
}

var (
	errKeyExists  = &apiError{http.StatusConflict, "key exists"}
	errKeyInUse   = &apiError{http.StatusConflict, "key is current"}
	errUnknownKID = &apiError{http.StatusNotFound, "unknown kid"}
	errBadKID     = &apiError{http.StatusBadRequest, "bad kid"}
)

func (a *Admin) handleAdd(w http.ResponseWriter, r *http.Request) {
	proxyID := r.PathValue("proxy")
	var req AddKeyRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	kid, err := addOrStage(a.store, proxyID, req.KID, req.Stage)
	if err != nil {
		a.fail(w, "add key", proxyID, err)
		return
	}
	a.log.Info("proxy key added", zap.String("proxy", proxyID), zap.String("kid", kid),
		zap.Bool("staged", req.Stage))
	writeJSON(w, http.StatusCreated, KeyAnswer{KID: kid})
}

func (a *Admin) handleCurrent(w http.ResponseWriter, r *http.Request) {
	proxyID := r.PathValue("proxy")
	var req CurrentRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if err := a.store.SetCurrentProxyKey(proxyID, req.KID); err != nil {
		a.fail(w, "activate key", proxyID, err)
		return
	}
	a.log.Info("proxy key activated", zap.String("proxy", proxyID), zap.String("kid", req.KID))
	writeJSON(w, http.StatusOK, KeyAnswer{KID: req.KID})
}

func (a *Admin) handleRemove(w http.ResponseWriter, r *http.Request) {
	proxyID, kid := r.PathValue("proxy"), r.PathValue("kid")
	if err := a.store.RemoveProxyKey(proxyID, kid); err != nil {
		a.fail(w, "remove key", proxyID, err)
		return
	}
	a.log.Info("proxy key removed", zap.String("proxy", proxyID), zap.String("kid", kid))
	w.WriteHeader(http.StatusNoContent)
}

func (a *Admin) handleExport(w http.ResponseWriter, r *http.Request) {
	proxyID := r.PathValue("proxy")
	if keystore.CheckProxyID(proxyID) != nil {
		writeError(w, errBadProxy)
		return
	}
	ans := ExportAnswer{
		KeyFile:   filepath.Join(a.exportDir, proxyID+".keys"),
		MasterKey: filepath.Join(a.exportDir, proxyID+"-master.key"),
	}
	n, err := ExportProxyKeys(a.store, proxyID, ans.KeyFile, ans.MasterKey)
	if err != nil {
		a.fail(w, "export keys", proxyID, err)
		return
	}
	ans.Keys = n
	a.log.Info("proxy keys exported", zap.String("proxy", proxyID), zap.Int("keys", n),
		zap.String("file", ans.KeyFile))
	writeJSON(w, http.StatusOK, ans)
}

// fail answers a store error with the matching API error and logs it.
func (a *Admin) fail(w http.ResponseWriter, op, proxyID string, err error) {
	e := errInternal
	switch {
	case errors.Is(err, keystore.ErrExists):
		e = errKeyExists
	case errors.Is(err, keystore.ErrKeyInUse):
		e = errKeyInUse
	case errors.Is(err, keystore.ErrUnknownKID):
		e = errUnknownKID
	case errors.Is(err, keystore.ErrUnknownProxy):
		e = errNoProxy
	case errors.Is(err, keystore.ErrBadName):
		e = errBadKID
	}
	a.log.Warn("admin request refused", zap.String("op", op), zap.String("proxy", proxyID),
		zap.String("error", e.text))
	writeError(w, e)
}

// addOrStage adds a key under kid (the next numeric id when empty), as the
// current key or staged.
func addOrStage(store keystore.SubscriberStore, proxyID, kid string, stage bool) (string, error) {
	if !stage {
		return AddProxyKey(store, proxyID, kid, nil)
	}
	return StageProxyKey(store, proxyID, kid, nil)
}

// Start serves the API on listen in the background until Close.
func (a *Admin) Start(listen string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.srv != nil {
		return errors.New("authcenter: admin API already started")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("authcenter: admin listen: %w", err)
	}
	a.ln = ln
	a.srv, a.done = serveHTTP(ln, a.handler, a.log)
	a.log.Info("admin API listening", zap.String("addr", ln.Addr().String()))
	return nil
}

// Addr returns the listening address, or nil before Start.
func (a *Admin) Addr() net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ln == nil {
		return nil
	}
	return a.ln.Addr()
}

// Close stops serving; it does not close the store.
func (a *Admin) Close() error {
	a.mu.Lock()
	srv, done := a.srv, a.done
	a.mu.Unlock()
	if srv == nil {
		return nil
	}
	return shutdownHTTP(srv, done)
}
