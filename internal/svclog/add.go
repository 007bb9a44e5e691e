package svclog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Add prepares the output for a service added to a running stack (`up` applying
// a new model): its colour, and its file when the logs have a directory.
// Adding a name already there does nothing.
func (l *Logs) Add(name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.colors[name]; ok {
		return nil
	}
	l.colors[name] = palette[len(l.colors)%len(palette)]
	l.width = max(l.width, len(name)+2)
	if l.dir == "" {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(l.dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("log file for %s: %w", name, err)
	}
	io.WriteString(f, fileLine(time.Now(), StreamNote, fmt.Sprintf("---- arena-dev (pid %d) adding %s to the running stack", os.Getpid(), name)))
	l.files[name] = f
	return nil
}
