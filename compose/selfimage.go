package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
)

// SelfImageRepo is the repository of the image of arena-dev itself.
const SelfImageRepo = "arena-dev"

// labelBinarySum records which binary an image holds, so a rebuilt arena-dev with
// an unchanged version string still gets a fresh image.
const labelBinarySum = "dev.arena.binary-sha256"

var badTagChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// SelfImageRef is arena-dev:<version>, the version made a valid tag.
func SelfImageRef(version string) string {
	tag := badTagChars.ReplaceAllString(version, "-")
	for len(tag) > 0 && (tag[0] == '.' || tag[0] == '-') {
		tag = tag[1:]
	}
	if tag == "" {
		tag = "dev"
	}
	if len(tag) > 128 {
		tag = tag[:128]
	}
	return SelfImageRepo + ":" + tag
}

// BuildSelfImage builds ref FROM scratch holding the static binary at bin (the
// running arena-dev: os.Executable), unless ref already holds that very binary.
// The build context is a tar made in memory; no Dockerfile touches the disk.
// It reports whether it built.
func BuildSelfImage(ctx context.Context, cli client.APIClient, bin, ref string) (bool, error) {
	if err := checkStatic(bin); err != nil {
		return false, err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return false, fmt.Errorf("reading arena-dev's own binary: %w", err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	oldID := ""
	if img, err := cli.ImageInspect(ctx, ref); err == nil {
		if img.Config != nil && img.Config.Labels[labelBinarySum] == digest {
			return false, nil
		}
		oldID = img.ID
	} else if !errdefs.IsNotFound(err) {
		return false, fmt.Errorf("inspecting %s: %w", ref, err)
	}
	dockerfile := "FROM scratch\nCOPY arena-dev /arena-dev\nENTRYPOINT [\"/arena-dev\"]\n"
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	now := time.Now()
	for _, f := range []struct {
		name string
		mode int64
		body []byte
	}{{"Dockerfile", 0o644, []byte(dockerfile)}, {"arena-dev", 0o755, data}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return false, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return false, err
		}
	}
	if err := tw.Close(); err != nil {
		return false, err
	}
	err = buildImage(ctx, cli, &ctxTar, build.ImageBuildOptions{
		Tags: []string{ref}, Remove: true, ForceRemove: true,
		Labels: map[string]string{labelBinarySum: digest, LabelManagedBy: "arena-dev"},
	}, nil)
	if err != nil {
		return false, err
	}
	if oldID != "" {
		// The previous build lost its tag; drop it unless a container still uses it.
		_, _ = cli.ImageRemove(ctx, oldID, image.RemoveOptions{PruneChildren: true})
	}
	return true, nil
}

// checkStatic refuses a dynamically linked binary: FROM scratch has no libc.
func checkStatic(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable (%v): the arena-dev image needs a linux binary", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked, so it cannot run FROM scratch: build it with CGO_ENABLED=0 (make build does)", bin)
		}
	}
	return nil
}

// buildImage runs a build with the classic builder (no BuildKit session needed,
// works on API 1.41) and turns an error in the progress stream into an error.
func buildImage(ctx context.Context, cli client.APIClient, context io.Reader, opts build.ImageBuildOptions, progress io.Writer) error {
	opts.Version = build.BuilderV1
	resp, err := cli.ImageBuild(ctx, context, opts)
	if err != nil {
		return fmt.Errorf("building %v: %w", opts.Tags, err)
	}
	defer resp.Body.Close()
	if progress == nil {
		progress = io.Discard
	}
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, progress, 0, false, nil); err != nil {
		var jm *jsonmessage.JSONError
		if errors.As(err, &jm) {
			return fmt.Errorf("building %v: %s", opts.Tags, jm.Message)
		}
		return fmt.Errorf("building %v: %w", opts.Tags, err)
	}
	return nil
}

// ImageMissingError is a service image absent from the local store: nothing is
// pulled (there may be no registry), so say how to get one.
type ImageMissingError struct{ Ref, Service string }

func (e *ImageMissingError) Error() string {
	return fmt.Sprintf("image %s (service %s) is not in the engine's local image store, and arena-dev never pulls:\n"+
		"  build one offline from this machine's node: `arena-dev compose build-node-image --tag %s`,\n"+
		"  or `docker pull %s` where a registry is reachable, or choose another with --node-image", e.Ref, e.Service, e.Ref, e.Ref)
}

// imageID is the local image's ID, or ImageMissingError when ref is not local.
func imageID(ctx context.Context, cli client.APIClient, ref, service string) (string, error) {
	img, err := cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return "", &ImageMissingError{Ref: ref, Service: service}
	}
	if err != nil {
		return "", fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	return img.ID, nil
}
