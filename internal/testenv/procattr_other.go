//go:build !linux

package testenv

import "syscall"

// DieWithParent has no equivalent outside Linux; there a killed test run
// can leave its child processes behind.
func DieWithParent() *syscall.SysProcAttr { return nil }
