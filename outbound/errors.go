package outbound

import "fmt"

// ValidationError reports an invalid subscription, event or policy; the API
// answers 422 with its message. The message never contains a secret.
type ValidationError struct{ msg string }

// Error returns the reason.
func (e *ValidationError) Error() string { return e.msg }

// invalid builds a ValidationError.
func invalid(format string, args ...any) error {
	return &ValidationError{msg: fmt.Sprintf(format, args...)}
}

// ConflictError reports a request that the current state forbids, such as
// retrying a delivery that has not failed; the API answers 409.
type ConflictError struct{ msg string }

// Error returns the reason.
func (e *ConflictError) Error() string { return e.msg }

// conflict builds a ConflictError.
func conflict(format string, args ...any) error {
	return &ConflictError{msg: fmt.Sprintf(format, args...)}
}

// TooLargeError reports a request too large to store; the API answers 413.
type TooLargeError struct{ msg string }

// Error returns the reason.
func (e *TooLargeError) Error() string { return e.msg }
