package compose

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// requireDockerEnv turns "no engine" from a skip into a failure (CI sets it).
const requireDockerEnv = "ARENA_DEV_REQUIRE_DOCKER"

// requireEngine connects to the engine; with none reachable the test skips,
// except under ARENA_DEV_REQUIRE_DOCKER=1, where it fails.
func requireEngine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := Connect(context.Background())
	if err != nil {
		if os.Getenv(requireDockerEnv) == "1" {
			t.Fatalf("%s=1 and no Docker engine: %v", requireDockerEnv, err)
		}
		t.Skipf("skipping: no Docker engine reachable (set %s=1 to make this a failure; .ci/docker.sh starts one): %v", requireDockerEnv, err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// uniqueProject is a project name no parallel run shares; whatever the test
// leaves is removed at its end.
func uniqueProject(t testing.TB, cli client.APIClient) string {
	name := "adtest-" + randomSuffix()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = Down(ctx, cli, name, true, nil)
	})
	return name
}

var (
	nodeImageOnce sync.Once
	nodeImageTag  string
	nodeImageErr  error
)

// testNodeImage builds, once per test process, the offline Node image with
// `arena-dev compose build-node-image` (node_modules of the example scanned for
// workerd's libraries); TestMain removes it.
func testNodeImage(t testing.TB) string {
	t.Helper()
	bin := testenv.ArenaDev(t)
	example := testenv.ExampleDir(t)
	testenv.RequireFile(t, filepath.Join(example, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd"))
	nodeImageOnce.Do(func() {
		tag := "arena-dev-test/node:" + randomSuffix()
		out, err := exec.Command(bin, "compose", "build-node-image", "--tag", tag, "--dir", example).CombinedOutput()
		if err != nil {
			nodeImageErr = errors.New(string(out))
			return
		}
		nodeImageTag = tag
	})
	if nodeImageErr != nil {
		t.Fatalf("arena-dev compose build-node-image: %v", nodeImageErr)
	}
	return nodeImageTag
}

// testVersion is this process's version for the self image: parallel runs
// (another checkout's binary) never share, or remove, each other's image.
var testVersion = "test-" + randomSuffix()

// TestMain removes the images the tests built: a test run leaves no trace.
func TestMain(m *testing.M) {
	code := m.Run()
	if cli, err := Connect(context.Background()); err == nil {
		refs := []string{SelfImageRef(testVersion)}
		if nodeImageTag != "" {
			refs = append(refs, nodeImageTag)
		}
		for _, ref := range refs {
			_, _ = cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
		}
		cli.Close()
	}
	os.Exit(code)
}

// assertNothingLeft fails when a container, network or volume carries the project's label.
func assertNothingLeft(t *testing.T, cli client.APIClient, name string) {
	t.Helper()
	ctx := context.Background()
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: projectFilter(name)})
	if err != nil {
		t.Fatal(err)
	}
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: projectFilter(name)})
	if err != nil {
		t.Fatal(err)
	}
	vols, err := cli.VolumeList(ctx, volume.ListOptions{Filters: projectFilter(name)})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, c := range cs {
		left = append(left, "container "+containerName(c))
	}
	for _, n := range nets {
		left = append(left, "network "+n.Name)
	}
	for _, v := range vols.Volumes {
		left = append(left, "volume "+v.Name)
	}
	if len(left) > 0 {
		t.Fatalf("project %s left behind: %s", name, strings.Join(left, ", "))
	}
}

func TestConnectNamesTheEngineTried(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "no-engine.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	_, err := Connect(context.Background())
	var ne *NoEngineError
	if !errors.As(err, &ne) {
		t.Fatalf("Connect with no engine: err = %v, want a NoEngineError", err)
	}
	for _, want := range []string{"unix://" + sock, "DOCKER_HOST", "dockerd"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestSelfImageRefusesDynamicBinary(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH")
	}
	err = checkStatic(node)
	if err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Fatalf("checkStatic(%s) = %v, want a dynamically-linked error", node, err)
	}
	if err := checkStatic(testenv.ArenaDev(t)); err != nil {
		t.Fatalf("the test build of arena-dev: %v", err)
	}
}

func TestNodeImageFilesHaveTheLoaderAndLibraries(t *testing.T) {
	example := testenv.ExampleDir(t)
	workerd := testenv.RequireFile(t, filepath.Join(example, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd"))
	files, err := NodeImageFiles(NodeImageOptions{Scan: []string{filepath.Dir(workerd)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	libs, err := lddLibs(workerd)
	if err != nil || len(libs) == 0 {
		t.Fatalf("ldd workerd: %v %v", libs, err)
	}
	for _, want := range append(libs, "/usr/local/bin/node", "/bin/sh", "/usr/bin/env") {
		if _, ok := files[want]; !ok {
			t.Errorf("node image lacks %s", want)
		}
	}
	for p := range files {
		if within(p, []string{example}) {
			t.Errorf("node image copies %s, which comes with the mounted app", p)
		}
	}
}

// TestUpFailuresAndDown: each way up fails says what failed, and down then
// leaves nothing with the project's label.
func TestUpFailuresAndDown(t *testing.T) {
	cli := requireEngine(t)
	bin := testenv.ArenaDev(t)
	nodeImage := testNodeImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// An app folder without node_modules: the Node services exit at once.
	bare := appFolder(t, exampleWrangler)
	up := func(t *testing.T, name string, o Options, ports map[string]int, wait bool) error {
		o.Name, o.Version = name, testVersion
		p, err := newProject(t, bare, project.Options{Ports: portFlags(t, ports)}, o)
		if err != nil {
			t.Fatal(err)
		}
		return Up(ctx, cli, p, UpOptions{Binary: bin, Wait: wait, WaitTimeout: time.Minute})
	}
	downAndCheck := func(t *testing.T, name string) {
		if err := Down(ctx, cli, name, true, nil); err != nil {
			t.Fatalf("down: %v", err)
		}
		assertNothingLeft(t, cli, name)
	}

	t.Run("image missing", func(t *testing.T) {
		name := uniqueProject(t, cli)
		ref := "arena-dev-test/absent:" + randomSuffix()
		err := up(t, name, Options{NodeImage: ref}, nil, true)
		var me *ImageMissingError
		if !errors.As(err, &me) || me.Ref != ref || !strings.Contains(err.Error(), "build-node-image --tag "+ref) {
			t.Fatalf("up: err = %v, want an ImageMissingError naming %s and build-node-image", err, ref)
		}
		downAndCheck(t, name)
	})

	t.Run("port taken", func(t *testing.T) {
		name := uniqueProject(t, cli)
		ln, port := listenFree(t)
		defer ln.Close()
		err := up(t, name, Options{NodeImage: nodeImage}, map[string]int{"partykit": port}, true)
		var pe *PortTakenError
		if !errors.As(err, &pe) || pe.Service != "partykit" || pe.Port != port || !strings.Contains(err.Error(), "--port partykit=N") {
			t.Fatalf("up: err = %v, want a PortTakenError for partykit on %d", err, port)
		}
		downAndCheck(t, name)
	})

	t.Run("container exits during wait", func(t *testing.T) {
		name := uniqueProject(t, cli)
		err := up(t, name, Options{NodeImage: nodeImage}, nil, true)
		var we *WaitError
		if !errors.As(err, &we) || (we.Service != "partykit" && we.Service != "astro") || !strings.Contains(we.Reason, "exited with code") {
			t.Fatalf("up --wait: err = %v, want a WaitError: partykit or astro exited", err)
		}
		if !strings.Contains(err.Error(), "["+we.Service+"] ") || !strings.Contains(err.Error(), "Cannot find module") {
			t.Fatalf("the wait error does not show the log's last lines:\n%v", err)
		}
		t.Logf("up --wait said: %v", err)
		downAndCheck(t, name)
	})
}
