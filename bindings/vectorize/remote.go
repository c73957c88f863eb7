package vectorize

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/moltworker/molt/internal/unixrpc"
)

// Client is what molt vectorize does to indexes, by name. Local runs it on a Store this process
// holds; DialRemote reaches the process that holds the file (a running molt dev), since bbolt
// admits one opener per file. The remote protocol is one POST of a JSON request per call on a
// Unix socket in the state directory, as for KV.
type Client interface {
	// CreateIndex creates an index (see Store.CreateIndex).
	CreateIndex(cfg IndexConfig) (IndexConfig, error)
	// Indexes lists the indexes by name.
	Indexes() ([]IndexConfig, error)
	// GetIndex returns one index's configuration.
	GetIndex(name string) (IndexConfig, error)
	// DeleteIndex deletes an index and its vectors.
	DeleteIndex(name string) error
	// Write inserts (insert true) or upserts vectors.
	Write(name string, vs []Vector, insert bool) (Mutation, error)
	// Query queries by vector, or by the stored vector byID when vector is nil.
	Query(name string, vector []float32, byID string, opts QueryOptions) (Matches, error)
	// Describe is describe().
	Describe(name string) (Info, error)
	// CreateMetadataIndex makes a property filterable.
	CreateMetadataIndex(name, property string, typ MetadataType) (Mutation, error)
	// DeleteMetadataIndex removes a metadata index.
	DeleteMetadataIndex(name, property string) (Mutation, error)
	// MetadataIndexes lists an index's metadata indexes.
	MetadataIndexes(name string) ([]MetadataIndex, error)
}

// Local is the Client of a Store this process holds.
func Local(s *Store) Client { return local{s} }

type local struct{ s *Store }

func (l local) CreateIndex(cfg IndexConfig) (IndexConfig, error) { return l.s.CreateIndex(cfg) }
func (l local) Indexes() ([]IndexConfig, error)                  { return l.s.Indexes() }
func (l local) GetIndex(name string) (IndexConfig, error)        { return l.s.IndexConfig(name) }
func (l local) DeleteIndex(name string) error                    { return l.s.DeleteIndex(name) }
func (l local) Describe(name string) (Info, error)               { return NewBinding(l.s, name).Describe() }

func (l local) Write(name string, vs []Vector, insert bool) (Mutation, error) {
	if insert {
		return NewBinding(l.s, name).Insert(vs)
	}
	return NewBinding(l.s, name).Upsert(vs)
}

func (l local) Query(name string, vector []float32, byID string, opts QueryOptions) (Matches, error) {
	if vector == nil {
		return NewBinding(l.s, name).QueryByID(byID, opts)
	}
	return NewBinding(l.s, name).Query(vector, opts)
}

func (l local) CreateMetadataIndex(name, property string, typ MetadataType) (Mutation, error) {
	x, err := l.s.Index(name)
	if err != nil {
		return Mutation{}, err
	}
	return x.CreateMetadataIndex(property, typ)
}

func (l local) DeleteMetadataIndex(name, property string) (Mutation, error) {
	x, err := l.s.Index(name)
	if err != nil {
		return Mutation{}, err
	}
	return x.DeleteMetadataIndex(property)
}

func (l local) MetadataIndexes(name string) ([]MetadataIndex, error) {
	x, err := l.s.Index(name)
	if err != nil {
		return nil, err
	}
	return x.MetadataIndexes(), nil
}

// remoteRequest is one Client call.
type remoteRequest struct {
	Op       string       `json:"op"`
	Name     string       `json:"name,omitempty"`
	Config   IndexConfig  `json:"config"`
	Vectors  []wireVector `json:"vectors,omitempty"`
	Insert   bool         `json:"insert,omitempty"`
	Vector   []float32    `json:"vector,omitempty"`
	ByID     string       `json:"byId,omitempty"`
	Options  wireQuery    `json:"options"`
	Property string       `json:"property,omitempty"`
	Type     MetadataType `json:"type,omitempty"`
}

type wireVector struct {
	ID        string          `json:"id"`
	Namespace string          `json:"namespace,omitempty"`
	Values    []float32       `json:"values"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
}

type wireQuery struct {
	TopK           int             `json:"topK,omitempty"`
	Namespace      string          `json:"namespace,omitempty"`
	ReturnValues   bool            `json:"returnValues,omitempty"`
	ReturnMetadata string          `json:"returnMetadata,omitempty"`
	Filter         json.RawMessage `json:"filter,omitempty"`
}

// remoteResponse is a call's result, or its error with enough to rebuild its type.
type remoteResponse struct {
	Config   IndexConfig     `json:"config"`
	Configs  []IndexConfig   `json:"configs,omitempty"`
	Mutation Mutation        `json:"mutation"`
	Matches  Matches         `json:"matches"`
	Info     Info            `json:"info"`
	Metadata []MetadataIndex `json:"metadata,omitempty"`

	Error    string `json:"error,omitempty"`
	NotFound string `json:"notFound,omitempty"`
	ErrOp    string `json:"errOp,omitempty"`
	ErrCode  int    `json:"errCode,omitempty"`
	ErrText  string `json:"errText,omitempty"`
}

// Handler serves c to Remote clients.
func Handler(c Client) http.Handler {
	return unixrpc.Handler("vectorize", func(req *remoteRequest) any {
		var res remoteResponse
		var err error
		switch req.Op {
		case "create":
			res.Config, err = c.CreateIndex(req.Config)
		case "list":
			res.Configs, err = c.Indexes()
		case "get":
			res.Config, err = c.GetIndex(req.Name)
		case "delete":
			err = c.DeleteIndex(req.Name)
		case "write":
			vs := make([]Vector, len(req.Vectors))
			for i, v := range req.Vectors {
				vs[i] = Vector(v)
			}
			res.Mutation, err = c.Write(req.Name, vs, req.Insert)
		case "query":
			o := req.Options
			res.Matches, err = c.Query(req.Name, req.Vector, req.ByID, QueryOptions(o))
		case "describe":
			res.Info, err = c.Describe(req.Name)
		case "createMetadataIndex":
			res.Mutation, err = c.CreateMetadataIndex(req.Name, req.Property, req.Type)
		case "deleteMetadataIndex":
			res.Mutation, err = c.DeleteMetadataIndex(req.Name, req.Property)
		case "metadataIndexes":
			res.Metadata, err = c.MetadataIndexes(req.Name)
		default:
			err = fmt.Errorf("vectorize: unknown remote operation %q", req.Op)
		}
		if err != nil {
			res.Error = err.Error()
			var nf *ErrNotFound
			var ve *Error
			switch {
			case errors.As(err, &nf):
				res.NotFound = nf.Name
			case errors.As(err, &ve):
				res.ErrOp, res.ErrCode, res.ErrText = ve.Op, ve.Code, ve.Text
			}
		}
		return &res
	})
}

// Remote is a Client that another process serves with Handler on a Unix socket.
type Remote struct{ c *unixrpc.Client }

// DialRemote returns a client of the process serving the Unix socket at path. It does not
// connect until the first call.
func DialRemote(path string) *Remote { return &Remote{c: unixrpc.Dial("vectorize", path)} }

// Close releases idle connections.
func (r *Remote) Close() { r.c.Close() }

func (r *Remote) call(req remoteRequest) (remoteResponse, error) {
	var res remoteResponse
	if err := r.c.Call(&req, &res); err != nil {
		return res, err
	}
	switch {
	case res.NotFound != "":
		return res, &ErrNotFound{Name: res.NotFound}
	case res.ErrOp != "":
		return res, &Error{Op: res.ErrOp, Code: res.ErrCode, Text: res.ErrText}
	case res.Error != "":
		return res, errors.New(res.Error)
	}
	return res, nil
}

// CreateIndex implements Client.
func (r *Remote) CreateIndex(cfg IndexConfig) (IndexConfig, error) {
	res, err := r.call(remoteRequest{Op: "create", Config: cfg})
	return res.Config, err
}

// Indexes implements Client.
func (r *Remote) Indexes() ([]IndexConfig, error) {
	res, err := r.call(remoteRequest{Op: "list"})
	return res.Configs, err
}

// GetIndex implements Client.
func (r *Remote) GetIndex(name string) (IndexConfig, error) {
	res, err := r.call(remoteRequest{Op: "get", Name: name})
	return res.Config, err
}

// DeleteIndex implements Client.
func (r *Remote) DeleteIndex(name string) error {
	_, err := r.call(remoteRequest{Op: "delete", Name: name})
	return err
}

// Write implements Client.
func (r *Remote) Write(name string, vs []Vector, insert bool) (Mutation, error) {
	wv := make([]wireVector, len(vs))
	for i, v := range vs {
		wv[i] = wireVector(v)
	}
	res, err := r.call(remoteRequest{Op: "write", Name: name, Vectors: wv, Insert: insert})
	return res.Mutation, err
}

// Query implements Client.
func (r *Remote) Query(name string, vector []float32, byID string, opts QueryOptions) (Matches, error) {
	res, err := r.call(remoteRequest{Op: "query", Name: name, Vector: vector, ByID: byID, Options: wireQuery(opts)})
	return res.Matches, err
}

// Describe implements Client.
func (r *Remote) Describe(name string) (Info, error) {
	res, err := r.call(remoteRequest{Op: "describe", Name: name})
	return res.Info, err
}

// CreateMetadataIndex implements Client.
func (r *Remote) CreateMetadataIndex(name, property string, typ MetadataType) (Mutation, error) {
	res, err := r.call(remoteRequest{Op: "createMetadataIndex", Name: name, Property: property, Type: typ})
	return res.Mutation, err
}

// DeleteMetadataIndex implements Client.
func (r *Remote) DeleteMetadataIndex(name, property string) (Mutation, error) {
	res, err := r.call(remoteRequest{Op: "deleteMetadataIndex", Name: name, Property: property})
	return res.Mutation, err
}

// MetadataIndexes implements Client.
func (r *Remote) MetadataIndexes(name string) ([]MetadataIndex, error) {
	res, err := r.call(remoteRequest{Op: "metadataIndexes", Name: name})
	return res.Metadata, err
}
