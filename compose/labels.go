package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// docker compose's label keys: `docker compose -p NAME ps|logs|down` find
// containers, networks and volumes by them.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelNumber      = "com.docker.compose.container-number"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelVersion     = "com.docker.compose.version"
	LabelNetwork     = "com.docker.compose.network"
	LabelVolume      = "com.docker.compose.volume"
	LabelImage       = "com.docker.compose.image"
	// LabelManagedBy marks what arena-dev created (compose's labels say which project).
	LabelManagedBy = "dev.arena.managed-by"
)

// ContainerLabels are the labels of a service's container.
func (p *Project) ContainerLabels(s Service) map[string]string {
	deps := make([]string, len(s.DependsOn))
	for i, d := range s.DependsOn {
		deps[i] = d + ":service_healthy:false" // compose's service:condition:restart
	}
	l := p.commonLabels()
	l[LabelService] = s.Name
	l[LabelNumber] = "1"
	l[LabelOneoff] = "False"
	l[LabelConfigHash] = ConfigHash(s)
	l[LabelWorkingDir] = p.Dir
	l[LabelConfigFiles] = strings.Join(p.ConfigFiles, ",")
	l[LabelDependsOn] = strings.Join(deps, ",")
	if s.ImageID != "" {
		l[LabelImage] = s.ImageID
	}
	if p.Sync != "" {
		l[labelSync] = string(p.Sync)
	}
	return l
}

// NetworkLabels are the labels of the project network.
func (p *Project) NetworkLabels() map[string]string {
	l := p.commonLabels()
	l[LabelNetwork] = "default"
	return l
}

func (p *Project) commonLabels() map[string]string {
	return map[string]string{
		LabelProject:   p.Name,
		LabelVersion:   p.Version,
		LabelManagedBy: "arena-dev",
	}
}

// ConfigHash is a digest of everything that defines a service's container, so a
// changed flag or image is visible as a changed label (compose uses it the same
// way). Like compose's, it leaves out what does not change the container: what
// --wait asks from the host, and the order services start in.
func ConfigHash(s Service) string {
	s.ReadyPath, s.DependsOn = "", nil
	b, _ := json.Marshal(s) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
