package authcenter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Errors of the admin API as AdminClient reports them, for errors.Is.
var (
	// ErrKeyExists: the proxy already has a key with that id (HTTP 409).
	ErrKeyExists = errors.New("authcenter: proxy key exists")
	// ErrKeyInUse: the key to remove is the current one (HTTP 409).
	ErrKeyInUse = errors.New("authcenter: proxy key is current")
	// ErrUnknownKID: the proxy has no key with that id (HTTP 404).
	ErrUnknownKID = errors.New("authcenter: unknown key id")
)

// AdminClient calls a running AC's key-administration API (Admin). BaseURL is
// e.g. "http://127.0.0.1:8741"; HTTP nil uses a client with a 5-second
// timeout. Safe for concurrent use.
type AdminClient struct {
	BaseURL string
	HTTP    *http.Client
}

func (a *AdminClient) client() *Client { return &Client{BaseURL: a.BaseURL, HTTP: a.HTTP} }

// adminPath fills a path pattern's {proxy} and {kid}.
func adminPath(pattern, proxyID, kid string) string {
	p := strings.Replace(pattern, "{proxy}", url.PathEscape(proxyID), 1)
	return strings.Replace(p, "{kid}", url.PathEscape(kid), 1)
}

// AddProxyKey adds a key for proxyID under kid ("" for the next numeric id),
// staged or current, and returns its kid.
func (a *AdminClient) AddProxyKey(ctx context.Context, proxyID, kid string, stage bool) (string, error) {
	var ans KeyAnswer
	status, err := a.client().do(ctx, http.MethodPost, adminPath(PathAdminKeys, proxyID, ""),
		AddKeyRequest{KID: kid, Stage: stage}, &ans, http.StatusCreated)
	if err != nil {
		return "", err
	}
	if status != http.StatusCreated {
		return "", adminError(status, "add key", ErrKeyExists)
	}
	return ans.KID, nil
}

// SetCurrentProxyKey makes kid proxyID's current key: the AC wraps under it
// from the next authentication on.
func (a *AdminClient) SetCurrentProxyKey(ctx context.Context, proxyID, kid string) error {
	status, err := a.client().do(ctx, http.MethodPut, adminPath(PathAdminCurrent, proxyID, ""),
		CurrentRequest{KID: kid}, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return adminError(status, "activate key", nil)
	}
	return nil
}

// RemoveProxyKey retires proxyID's key kid (never the current one).
func (a *AdminClient) RemoveProxyKey(ctx context.Context, proxyID, kid string) error {
	status, err := a.client().do(ctx, http.MethodDelete, adminPath(PathAdminKey, proxyID, kid),
		nil, nil, http.StatusNoContent)
	if err != nil {
		return err
	}
	if status != http.StatusNoContent {
		return adminError(status, "remove key", ErrKeyInUse)
	}
	return nil
}

// ExportProxyKeys has the AC write proxyID's key file into its export
// directory and returns what it wrote.
func (a *AdminClient) ExportProxyKeys(ctx context.Context, proxyID string) (ExportAnswer, error) {
	var ans ExportAnswer
	status, err := a.client().do(ctx, http.MethodPost, adminPath(PathAdminExport, proxyID, ""),
		nil, &ans, http.StatusOK)
	if err != nil {
		return ans, err
	}
	if status != http.StatusOK {
		return ans, adminError(status, "export keys", nil)
	}
	return ans, nil
}

// adminError maps an admin API status to its error; conflict is the error of
// a 409 for the operation.
func adminError(status int, op string, conflict error) error {
	switch {
	case status == http.StatusConflict && conflict != nil:
		return conflict
	case status == http.StatusNotFound:
		return ErrUnknownKID
	case status == http.StatusForbidden:
		return ErrUnknownProxy
	case status == http.StatusBadRequest:
		return ErrBadRequest
	}
	return fmt.Errorf("%w: %s: HTTP %d", ErrUnexpectedStatus, op, status)
}
