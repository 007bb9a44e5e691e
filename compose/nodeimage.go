package compose

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/client"
)

// NodeImageOptions describe an offline Node image: FROM scratch with the host's
// node binary, a shell and env (for scripts' #! lines), and every shared library
// ldd lists for them and for the native binaries under Scan (workerd, esbuild,
// sharp, rollup in the app's node_modules, which is mounted, not copied).
type NodeImageOptions struct {
	Tag  string   // image reference to build
	Node string   // node binary; default `node` on PATH
	Scan []string // folders whose ELF files' libraries are included
}

// hostCABundle is Debian's (and Ubuntu's) bundle of CA certificates.
const hostCABundle = "/etc/ssl/certs/ca-certificates.crt"

// LocalNodeTag names a Node image after the node binary it holds:
// arena-dev-node:<version> (e.g. arena-dev-node:20.20.2).
func LocalNodeTag(node string) (string, error) {
	if node == "" {
		p, err := exec.LookPath("node")
		if err != nil {
			return "", fmt.Errorf("no node on PATH to build the Node image from (pass --node)")
		}
		node = p
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v", node, err)
	}
	return "arena-dev-node:" + strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), nil
}

// NodeImageFiles maps image paths to host files: what BuildNodeImage copies.
func NodeImageFiles(o NodeImageOptions, warn io.Writer) (map[string]string, error) {
	if warn == nil {
		warn = io.Discard
	}
	node := o.Node
	if node == "" {
		p, err := exec.LookPath("node")
		if err != nil {
			return nil, fmt.Errorf("no node on PATH to build the Node image from (pass --node)")
		}
		node = p
	}
	files := map[string]string{"/usr/local/bin/node": node}
	needLibs := []string{node}
	for _, tool := range []string{"/bin/sh", "/usr/bin/env"} {
		if _, err := os.Stat(tool); err == nil {
			files[tool] = tool
			needLibs = append(needLibs, tool)
		}
	}
	// workerd (wrangler dev, answers mode worker) refuses to start without the
	// system's CA certificates, even offline: "No CA certificates were loaded".
	if _, err := os.Stat(hostCABundle); err == nil {
		files[hostCABundle] = hostCABundle
	}
	for _, bin := range needLibs {
		libs, err := lddLibs(bin)
		if err != nil {
			return nil, err
		}
		for _, l := range libs {
			files[l] = l
		}
	}
	for _, dir := range o.Scan {
		bins, err := elfFiles(dir)
		if err != nil {
			return nil, err
		}
		for _, bin := range bins {
			libs, err := lddLibs(bin)
			if err != nil {
				fmt.Fprintf(warn, "warning: %v (left out)\n", err)
				continue
			}
			for _, l := range libs {
				if !within(l, o.Scan) { // the app's own libraries come with the mount
					files[l] = l
				}
			}
		}
	}
	return files, nil
}

// lddLibs lists the libraries (and the loader) that ldd resolves for bin.
func lddLibs(bin string) ([]string, error) {
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("not a dynamic executable")) || bytes.Contains(out, []byte("statically linked")) {
			return nil, nil
		}
		return nil, fmt.Errorf("ldd %s: %v: %s", bin, err, bytes.TrimSpace(out))
	}
	var libs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.Contains(line, "not found") {
			return nil, fmt.Errorf("ldd %s: %s", bin, line)
		}
		if _, after, ok := strings.Cut(line, "=> "); ok {
			line = after
		}
		path, _, _ := strings.Cut(line, " (")
		if strings.HasPrefix(path, "/") {
			libs = append(libs, path)
		}
	}
	return libs, nil
}

// elfFiles lists the ELF executables and shared objects under dir.
func elfFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := d.Name()
		if info.Mode()&0o111 == 0 && !strings.HasSuffix(name, ".node") && !strings.Contains(name, ".so") {
			return nil
		}
		if f, err := elf.Open(path); err == nil {
			f.Close()
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s for native binaries: %w", dir, err)
	}
	return out, nil
}

func within(path string, dirs []string) bool {
	for _, d := range dirs {
		if rel, err := filepath.Rel(d, path); err == nil && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

// BuildNodeImage builds o.Tag from the files NodeImageFiles lists, streaming the
// build context (node alone is ~100 MB) instead of holding it in memory.
func BuildNodeImage(ctx context.Context, cli client.APIClient, o NodeImageOptions, progress io.Writer) error {
	if o.Tag == "" {
		return fmt.Errorf("build-node-image: no tag given")
	}
	files, err := NodeImageFiles(o, progress)
	if err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	dockerfile := "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp\nCMD [\"node\"]\n"
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeContext(pw, dockerfile, paths, files)) }()
	defer pr.Close()
	return buildImage(ctx, cli, pr, build.ImageBuildOptions{
		Tags: []string{o.Tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{LabelManagedBy: "arena-dev"},
	}, progress)
}

func writeContext(w io.Writer, dockerfile string, paths []string, files map[string]string) error {
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, dockerfile); err != nil {
		return err
	}
	for _, p := range paths {
		if err := addFile(tw, "rootfs"+p, files[p]); err != nil {
			return err
		}
	}
	return tw.Close()
}

// addFile writes host's content (symlinks followed) as a regular file named name.
func addFile(tw *tar.Writer, name, host string) error {
	f, err := os.Open(host)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: int64(fi.Mode().Perm()), Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
