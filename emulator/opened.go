package emulator

// Opened is one namespace on a store of its own, for the many callers that work
// on exactly one namespace (the kv commands, parity's copies): one call opens
// both, one Close closes both.
type Opened struct {
	*Namespace
	Store *Store
}

// OpenNamespace opens the store at root and its namespace id.
func OpenNamespace(root, id string) (*Opened, error) {
	st, err := Open(root)
	if err != nil {
		return nil, err
	}
	ns, err := st.Namespace(id)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Opened{Namespace: ns, Store: st}, nil
}

// Close closes the namespace and its store.
func (o *Opened) Close() error { return o.Store.Close() }
