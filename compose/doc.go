// Package compose runs the Sommelier Arena stack as Docker containers by talking to
// the Docker Engine API (github.com/docker/docker/client, with API version
// negotiation), offline: the answers service runs in a FROM scratch image of
// arena-dev itself, built from its own static binary through the API; PartyKit and
// Astro run in a Node image with the project mounted. Containers, the network and
// any volumes carry docker compose's labels and names (<project>-<service>-1,
// <project>_default), so `docker compose -p <project> ps|logs|down` see them too.
package compose
