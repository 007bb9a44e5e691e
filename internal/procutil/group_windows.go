//go:build windows

package procutil

import (
	"errors"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no process groups to signal and no death signal. Each service gets
// a Job Object instead: its processes, grandchildren included, are the job's, so
// KillGroup ends them all, and JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE ends them when
// arena-dev's handle to the job closes, which the kernel does however arena-dev
// dies. The child is created suspended and resumed only once it is in its job,
// so nothing it spawns is born outside. A "group id" is the leader's pid, which
// is also its console process group (CREATE_NEW_PROCESS_GROUP): CTRL_BREAK is
// the polite stop.

var jobs = struct {
	sync.Mutex
	m map[int]windows.Handle // group leader's pid -> its job
}{m: map[int]windows.Handle{}}

// NewGroup makes the child the root of a new console process group, started
// suspended until Start has put it in its job.
func NewGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED
}

// Detach starts a child that outlives this process and its console: `up
// --background` (no console, its own group, out of any job of ours).
func Detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS | windows.CREATE_BREAKAWAY_FROM_JOB
}

// Start starts cmd and, when NewGroup asked for a suspended start, puts it in a
// new kill-on-close job and lets it run.
func Start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	if cmd.SysProcAttr == nil || cmd.SysProcAttr.CreationFlags&windows.CREATE_SUSPENDED == 0 {
		return nil
	}
	pid := cmd.Process.Pid
	job, err := newKillOnCloseJob()
	if err == nil {
		err = assign(job, pid)
		if err != nil {
			windows.CloseHandle(job)
		}
	}
	if err != nil {
		cmd.Process.Kill()
		return err
	}
	jobs.Lock()
	jobs.m[pid] = job
	jobs.Unlock()
	if err := resume(pid); err != nil {
		KillGroup(pid)
		return err
	}
	return nil
}

func newKillOnCloseJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, err
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | windows.JOB_OBJECT_LIMIT_BREAKAWAY_OK
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, err
	}
	return job, nil
}

func assign(job windows.Handle, pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return windows.AssignProcessToJobObject(job, h)
}

// resume lets every thread of a suspended process run (a new process has one).
func resume(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := false
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return err
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return err
		}
		resumed = true
	}
	if !resumed {
		return errors.New("no thread to resume")
	}
	return nil
}

func jobOf(pgid int) (windows.Handle, bool) {
	jobs.Lock()
	defer jobs.Unlock()
	j, ok := jobs.m[pgid]
	return j, ok
}

// Forget closes a group's job once its leader's Wait returned and nothing of it
// is left (closing kills what is).
func Forget(pid int) {
	jobs.Lock()
	j, ok := jobs.m[pid]
	if ok && activeProcesses(j) == 0 {
		delete(jobs.m, pid)
		windows.CloseHandle(j)
	}
	jobs.Unlock()
}

// basicAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION (not in x/sys/windows).
type basicAccounting struct {
	TotalUserTime, TotalKernelTime, ThisPeriodUserTime, ThisPeriodKernelTime int64
	PageFaults, TotalProcesses, ActiveProcesses, TerminatedProcesses         uint32
}

func activeProcesses(job windows.Handle) uint32 {
	var info basicAccounting
	if err := windows.QueryInformationJobObject(job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil); err != nil {
		return 0
	}
	return info.ActiveProcesses
}

func GroupOf(pid int) int { return pid }

// TerminateGroup sends CTRL_BREAK to the console process group; without a shared
// console (or for a group not ours) it ends the group at once.
func TerminateGroup(pgid int) error {
	if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(pgid)); err == nil {
		return nil
	}
	return KillGroup(pgid)
}

// KillGroup ends every process of the group's job, or the leader alone when the
// group has no job of ours.
func KillGroup(pgid int) error {
	if j, ok := jobOf(pgid); ok {
		return windows.TerminateJobObject(j, 1)
	}
	return KillPID(pgid)
}

// groupSignalable: the job still has processes (or, without one, the leader runs).
func groupSignalable(pgid int) bool {
	if j, ok := jobOf(pgid); ok {
		return activeProcesses(j) > 0
	}
	return PIDAlive(pgid)
}

// KillPID ends one process; one already gone is not an error.
func KillPID(pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(h)
	if err := windows.TerminateProcess(h, 1); err != nil && PIDAlive(pid) {
		return err
	}
	return nil
}

// TerminatePID asks arena-dev (for `down`) to stop: CTRL_BREAK to its group when
// it leads one (a background arena-dev does), else it is ended.
func TerminatePID(pid int) error {
	if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(pid)); err == nil {
		return nil
	}
	return KillPID(pid)
}

// PIDAlive says whether the process exists and has not exited.
func PIDAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code == stillActive
}

// LockFile takes an exclusive lock on f without blocking; the kernel drops it when
// the process dies.
func LockFile(f *os.File) error {
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
}

func TerminateRef(r Ref) error { return KillPID(r.PID) }

func KillRef(r Ref) error { return KillPID(r.PID) }

// stillActive is STILL_ACTIVE, the exit code of a process that has not exited.
const stillActive = 259
