package compose

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/docker/docker/client"
)

// manifestFile, at the app volume's root, lists what the volume holds (path →
// type, mode, size and modification time on this machine), so a sync copies
// only what changed and removes what went, as docker compose watch's sync does.
const manifestFile = ".arena-dev-sync.json"

// removeList is the list of paths `compose volume-rm` removes, one a line.
const removeList = ".arena-dev-remove"

// skipInVolume are folders never copied into the app volume: the state has its
// own volume, .wrangler holds this machine's runs and caches, .git is history.
var skipInVolume = map[string]bool{".git": true, ".wrangler": true}

// owner is the uid:gid the containers run as: the copies belong to it.
func (p *Project) owner() string {
	for _, s := range p.Services {
		if s.User != "" {
			return s.User
		}
	}
	return fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
}

func (p *Project) ownerIDs() (int, int) {
	u, g, _ := strings.Cut(p.owner(), ":")
	uid, _ := strconv.Atoi(u)
	gid, _ := strconv.Atoi(g)
	return uid, gid
}

// entry is one path of a tree: what the manifest records and the tar carries.
type entry struct {
	rel  string // slash-separated, "." for the root
	abs  string
	info fs.FileInfo
	link string
}

func (e entry) stamp() string {
	return fmt.Sprintf("%o %d %d %s", e.info.Mode(), e.info.Size(), e.info.ModTime().UnixNano(), e.link)
}

// walkTree lists root's folders, files and symbolic links in walk order
// (parents first), without skipped folders.
func walkTree(root string, skip func(rel string, d fs.DirEntry) bool) ([]entry, error) {
	var out []entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipAll // nothing to copy yet
			}
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != "." && skip != nil && skip(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil // sockets, fifos: not part of a project
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{rel: rel, abs: p, info: info}
		if d.Type()&fs.ModeSymlink != 0 {
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// writeEntries writes es into tw under dir (the target folder's base name), owned
// by uid:gid: the root entry too, so the volume's root belongs to the containers'
// user, who must write there.
func writeEntries(tw *tar.Writer, dir string, es []entry, uid, gid int) error {
	for _, e := range es {
		hdr, err := tar.FileInfoHeader(e.info, e.link)
		if err != nil {
			return fmt.Errorf("%s: %w", e.abs, err)
		}
		hdr.Name = path.Join(dir, e.rel)
		if e.info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = uid, gid, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !e.info.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(e.abs)
		if err != nil {
			return err
		}
		// A file that grew since the walk is cut at the walked size (its header
		// says so); one that shrank fails the copy, and the next sync retries.
		_, err = io.CopyN(tw, f, e.info.Size())
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", e.abs, err)
		}
	}
	return nil
}

// copyTree copies the host folder src into the volume mounted at dst; it returns
// how many entries it copied.
func (h *helper) copyTree(ctx context.Context, src, dst string, skip func(string, fs.DirEntry) bool) (int, error) {
	es, err := walkTree(src, skip)
	if err != nil || len(es) == 0 {
		return 0, err
	}
	uid, gid := h.uid, h.gid
	err = h.put(ctx, path.Dir(dst), func(tw *tar.Writer) error { return writeEntries(tw, path.Base(dst), es, uid, gid) })
	return len(es), err
}

// SyncResult says what a sync changed.
type SyncResult struct{ Copied, Removed, Unchanged int }

func (r SyncResult) String() string {
	return fmt.Sprintf("%d copied, %d removed, %d unchanged", r.Copied, r.Removed, r.Unchanged)
}

// appSkip leaves out of the app volume what never goes there, and the state
// (it has its own volume) wherever --persist-to put it.
func (p *Project) appSkip() func(string, fs.DirEntry) bool {
	return func(rel string, d fs.DirEntry) bool {
		if d.IsDir() && skipInVolume[d.Name()] {
			return true
		}
		return filepath.Join(p.Dir, filepath.FromSlash(rel)) == p.StateDir
	}
}

// syncApp makes the app volume the project folder as it is now: what is new or
// changed since the last sync is copied, what went is removed, then the
// manifest is rewritten.
func (h *helper) syncApp(ctx context.Context, p *Project) (SyncResult, error) {
	var res SyncResult
	es, err := walkTree(p.Dir, p.appSkip())
	if err != nil {
		return res, fmt.Errorf("reading the project folder: %w", err)
	}
	old := map[string]string{}
	if data, ok, err := h.get(ctx, path.Join(appDir, manifestFile)); err != nil {
		return res, err
	} else if ok {
		if err := json.Unmarshal(data, &old); err != nil {
			old = map[string]string{} // unreadable: copy everything again
		}
	}
	now := make(map[string]string, len(es))
	var changed []entry
	for _, e := range es {
		st := e.stamp()
		now[e.rel] = st
		if old[e.rel] == st {
			res.Unchanged++
			continue
		}
		changed = append(changed, e)
	}
	var gone []string
	for rel := range old {
		if _, ok := now[rel]; !ok {
			gone = append(gone, rel)
		}
	}
	if len(gone) > 0 {
		// Removed first: a folder that became a file (or back) then arrives whole.
		sort.Strings(gone)
		list := []byte(strings.Join(gone, "\n") + "\n")
		err := h.put(ctx, appDir, func(tw *tar.Writer) error {
			return writeFile(tw, removeList, list, h.uid, h.gid)
		})
		if err != nil {
			return res, fmt.Errorf("listing files to remove in volume %s: %w", p.AppVolume(), err)
		}
		if err := h.run(ctx); err != nil {
			return res, err
		}
		res.Removed = len(gone)
	}
	manifest, err := json.Marshal(now)
	if err != nil {
		return res, err
	}
	err = h.put(ctx, "/", func(tw *tar.Writer) error {
		if err := writeEntries(tw, path.Base(appDir), changed, h.uid, h.gid); err != nil {
			return err
		}
		// Last: a copy cut short keeps the old manifest, so the next sync redoes it.
		return writeFile(tw, path.Join(path.Base(appDir), manifestFile), manifest, h.uid, h.gid)
	})
	if err != nil {
		return res, fmt.Errorf("copying the project into volume %s: %w", p.AppVolume(), err)
	}
	res.Copied = len(changed)
	return res, nil
}

func writeFile(tw *tar.Writer, name string, data []byte, uid, gid int) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Uid: uid, Gid: gid, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// SyncFiles copies what changed in the project folder into its app volume (volume
// mode's live edits: the dev servers in the containers see the change as if
// edited there). The stack must have been brought up in volume mode.
func SyncFiles(ctx context.Context, cli client.APIClient, p *Project) (SyncResult, error) {
	if p.Sync != SyncVolume {
		return SyncResult{}, fmt.Errorf("project %s is in %s mode: its containers see the folder itself, so there is nothing to sync", p.Name, p.Sync)
	}
	if _, err := cli.VolumeInspect(ctx, p.AppVolume()); err != nil {
		return SyncResult{}, fmt.Errorf("volume %s: %w (run `arena-dev compose up --sync volume -p %s` first)", p.AppVolume(), err, p.Name)
	}
	h, err := newHelper(ctx, cli, p)
	if err != nil {
		return SyncResult{}, err
	}
	defer h.remove(ctx)
	return h.syncApp(ctx, p)
}

// RemoveListed removes, under root, the paths listed one a line in the file list
// (then the list itself): what `compose volume-rm` runs inside the copy helper.
// A path that would leave root is refused; one already gone is fine.
func RemoveListed(root, list string) error {
	f, err := os.Open(list)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rel := sc.Text()
		if rel == "" {
			continue
		}
		clean := path.Clean("/" + rel)
		if clean == "/" || clean != "/"+rel {
			return fmt.Errorf("%s: %q is not a path inside %s", list, rel, root)
		}
		// ENOTDIR: a parent is a file now, so the path is gone already.
		if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(clean))); err != nil && !errors.Is(err, syscall.ENOTDIR) {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return os.Remove(list)
}
