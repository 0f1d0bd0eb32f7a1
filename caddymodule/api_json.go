package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/outbound"
	"github.com/hookgate/hookgate/store"
)

// maxAPIBody bounds a request body of the API.
const maxAPIBody = 1 << 20

// Page sizes of the API's lists.
const (
	defaultPageLimit = 50
	maxPageLimit     = 500
)

// apiError is an error with the status the API answers it with.
type apiError struct {
	status int
	msg    string
}

// Error returns the message the API answers with.
func (e *apiError) Error() string { return e.msg }

// apiErrorf builds an apiError.
func apiErrorf(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// decodeJSONBody reads a request body of at most maxAPIBody bytes into v,
// rejecting unknown fields, wrong types and trailing data (400) and
// oversized bodies (413).
func decodeJSONBody(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxAPIBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apiErrorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", maxAPIBody)
		}
		if errors.Is(err, io.EOF) {
			return apiErrorf(http.StatusBadRequest, "request body is empty; a JSON object is required")
		}
		return apiErrorf(http.StatusBadRequest, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apiErrorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", maxAPIBody)
		}
		return apiErrorf(http.StatusBadRequest, "invalid JSON: data after the object")
	}
	return nil
}

// writeJSON writes v with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers an error as {"error": "..."} with its status: 404 for
// store.ErrNotFound, 409, 413 and 422 for the outbound errors of those
// kinds, 500 (logged, not shown) for anything else.
func writeError(w http.ResponseWriter, logger *zap.Logger, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	var (
		ae   *apiError
		ve   *outbound.ValidationError
		ce   *outbound.ConflictError
		tooB *outbound.TooLargeError
	)
	switch {
	case errors.As(err, &ae):
		status, msg = ae.status, ae.msg
	case errors.As(err, &ve):
		status, msg = http.StatusUnprocessableEntity, ve.Error()
	case errors.As(err, &ce):
		status, msg = http.StatusConflict, ce.Error()
	case errors.As(err, &tooB):
		status, msg = http.StatusRequestEntityTooLarge, tooB.Error()
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, err.Error()
	default:
		logger.Error("webhook API request failed", zap.Error(err))
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// pageParams reads ?cursor= and ?limit= (default 50, at most 500).
func pageParams(r *http.Request) (cursor string, limit int, err error) {
	q := r.URL.Query()
	limit = defaultPageLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageLimit {
			return "", 0, apiErrorf(http.StatusBadRequest, "limit must be a number from 1 to %d, not %q", maxPageLimit, s)
		}
		limit = n
	}
	return q.Get("cursor"), limit, nil
}

// page is the shape of every list the API returns.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}
