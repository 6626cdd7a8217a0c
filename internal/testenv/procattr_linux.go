package testenv

import "syscall"

// DieWithParent makes a child process get SIGKILL when the test binary
// dies, so that a test run killed by its timeout leaves no SpiceDB or
// authgate behind.
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
