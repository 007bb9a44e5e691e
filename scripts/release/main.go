// Command release builds arena-dev's release archives, reproducibly: for each
// target a static binary (CGO off, -trimpath, no build id, the version stamped)
// packed with the README into a tar.gz (zip for Windows) whose entries have a
// fixed order, owner and time (the commit's), and a SHA256SUMS over them. Two
// runs on the same commit write the same bytes. Usage (make dist):
//
//	go run ./scripts/release -version v1.2.3 -epoch 1733380000 -out dist
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// releaseTargets are the release platforms.
const releaseTargets = "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64"

func main() {
	version := flag.String("version", "dev", "version stamped into the binaries and the archive names")
	epoch := flag.Int64("epoch", 0, "time of every archive entry, in Unix seconds (the commit's)")
	out := flag.String("out", "dist", "output directory")
	targets := flag.String("targets", releaseTargets, "comma-separated os/arch list")
	flag.Parse()
	if err := run(*version, time.Unix(*epoch, 0).UTC(), *out, strings.Split(*targets, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(version string, mtime time.Time, out string, targets []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		return err
	}
	var sums []string
	for _, t := range targets {
		goos, goarch, _ := strings.Cut(t, "/")
		exe := "arena-dev"
		if goos == "windows" {
			exe += ".exe"
		}
		bin, err := build(version, goos, goarch)
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		name := fmt.Sprintf("arena-dev_%s_%s_%s", version, goos, goarch)
		files := []file{{exe, bin, 0o755}, {"README.md", readme, 0o644}}
		var archive []byte
		if goos == "windows" {
			name += ".zip"
			archive, err = zipOf(name[:len(name)-4], files, mtime)
		} else {
			name += ".tar.gz"
			archive, err = tarGzOf(name[:len(name)-7], files, mtime)
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name), archive, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(archive)
		sums = append(sums, hex.EncodeToString(sum[:])+"  "+name)
		fmt.Printf("%-45s binary %5.1f MB, archive %5.1f MB\n", name, mb(len(bin)), mb(len(archive)))
	}
	sort.Strings(sums)
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(strings.Join(sums, "\n")+"\n"), 0o644)
}

func mb(n int) float64 { return float64(n) / (1 << 20) }

// build compiles arena-dev for one target into memory.
func build(version, goos, goarch string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "arena-dev-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "arena-dev")
	cmd := exec.Command(goTool(), "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X main.version="+version, "-o", bin, "./cmd/arena-dev")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	return os.ReadFile(bin)
}

// goTool is the go command that runs this program (make passes $(GO) as GO).
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

type file struct {
	name string
	data []byte
	mode int64
}

// tarGzOf packs files under dir/ with fixed metadata; gzip's header carries no
// name and no time.
func tarGzOf(dir string, files []file, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: dir + "/" + f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime,
			Typeflag: tar.TypeReg, Uname: "root", Gname: "root", Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipOf packs files under dir/ with fixed times.
func zipOf(dir string, files []file, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: dir + "/" + f.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(f.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, bytes.NewReader(f.data)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
