package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/event"
)

// The OpenAPI 3.1 document is generated from the route table and the Go
// types of request and response bodies, so it describes exactly what the
// server serves.

// ordered is a JSON object that keeps its key order.
type ordered struct {
	keys []string
	vals map[string]any
}

func obj(kv ...any) *ordered {
	o := &ordered{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *ordered) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// schemaBuilder turns Go types into JSON Schemas, naming each struct once
// under components/schemas. Response schemas list the fields that are always
// present (those without omitempty) as required; request schemas require
// nothing, since every request field is optional and read leniently.
type schemaBuilder struct {
	components *ordered
	names      map[schemaKey]string // the component name of each struct
	taken      map[string]schemaKey // who holds each component name
}

type schemaKey struct {
	t        reflect.Type
	response bool
}

func newSchemaBuilder() *schemaBuilder {
	return &schemaBuilder{components: obj(), names: map[schemaKey]string{}, taken: map[string]schemaKey{}}
}

var (
	typeInt        = reflect.TypeOf(Int(0))
	typeBool       = reflect.TypeOf(Bool(false))
	typeStr        = reflect.TypeOf(Str(""))
	typeObject     = reflect.TypeOf(Object(nil))
	typeTime       = reflect.TypeOf(Time{})
	typeAttributes = reflect.TypeOf(Attributes(nil))
	typeRaw        = reflect.TypeOf(json.RawMessage(nil))
	typeRubyFloat  = reflect.TypeOf(event.RubyFloat{})
	typeStdTime    = reflect.TypeOf(time.Time{})
	typeMarshaler  = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// isOpt reports whether t is an instance of Opt[T].
func isOpt(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == typeInt.PkgPath() && strings.HasPrefix(t.Name(), "Opt[")
}

// schema returns the schema of t; response says whether t is written by the
// server (true) or read from a request (false).
func (b *schemaBuilder) schema(t reflect.Type, response bool) any {
	switch t {
	case typeInt:
		return obj("type", "integer", "description", "an integer, also accepted as a numeric string")
	case typeBool:
		return obj("type", "boolean", "description", "also accepted as \"true\"/\"false\" or 1/0")
	case typeStr:
		return obj("type", "string")
	case typeObject:
		return obj("type", "object")
	case typeAttributes:
		return obj("type", []string{"object", "string"}, "description", "a JSON object, or a string holding one")
	case typeTime:
		return obj("type", []string{"string", "number"}, "description", "ISO 8601 time or Unix seconds")
	case typeRaw:
		return obj()
	case typeRubyFloat:
		return obj("type", "number", "description", "Unix seconds with microseconds")
	case typeStdTime:
		return obj("type", "string", "format", "date-time")
	}
	if isOpt(t) {
		inner := b.schema(t.Field(2).Type, response)
		return obj("anyOf", []any{inner, obj("type", "null")})
	}
	if t.Kind() != reflect.Interface && (t.Implements(typeMarshaler) || reflect.PointerTo(t).Implements(typeMarshaler)) {
		// Its JSON is whatever its MarshalJSON writes, not its Go shape:
		// promise nothing rather than something wrong.
		return obj()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return obj("anyOf", []any{b.schema(t.Elem(), response), obj("type", "null")})
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return obj("type", "string", "contentEncoding", "base64") // encoding/json's []byte
		}
		return obj("type", "array", "items", b.schema(t.Elem(), response))
	case reflect.Map:
		return obj("type", "object", "additionalProperties", b.schema(t.Elem(), response))
	case reflect.String:
		return obj("type", "string")
	case reflect.Bool:
		return obj("type", "boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj("type", "integer")
	case reflect.Float32, reflect.Float64:
		return obj("type", "number")
	case reflect.Interface:
		return obj()
	case reflect.Struct:
		if t.Name() == "" {
			return b.structSchema(t, response)
		}
		key := schemaKey{t, response}
		name, done := b.names[key]
		if !done {
			name = b.componentName(key)
			b.names[key] = name
			b.components.set(name, nil) // placeholder for recursive types
			b.components.set(name, b.structSchema(t, response))
		}
		return obj("$ref", "#/components/schemas/"+name)
	}
	return obj()
}

// componentName is the struct's Go name, qualified when another type (or
// the same type read as a request) already holds it.
func (b *schemaBuilder) componentName(key schemaKey) string {
	t := key.t
	pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
	candidates := []string{t.Name(), pkg + "." + t.Name()}
	if !key.response {
		candidates = []string{t.Name(), t.Name() + "Input", pkg + "." + t.Name() + "Input"}
	}
	for _, name := range candidates {
		if _, taken := b.taken[name]; !taken {
			b.taken[name] = key
			return name
		}
	}
	panic("openapi: no free component name for " + t.String())
}

func (b *schemaBuilder) structSchema(t reflect.Type, response bool) *ordered {
	props := obj()
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded := b.structSchema(ft, response)
				eprops := embedded.vals["properties"].(*ordered)
				for _, k := range eprops.keys {
					props.set(k, eprops.vals[k])
				}
				if req, ok := embedded.vals["required"].([]string); ok && f.Type.Kind() != reflect.Pointer {
					// (A nil embedded pointer leaves its fields out.)
					required = append(required, req...)
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := b.schema(f.Type, response)
		if doc := f.Tag.Get("doc"); doc != "" {
			if o, ok := s.(*ordered); ok && o.vals["$ref"] == nil {
				o.set("description", doc)
			}
		}
		props.set(name, s)
		if response && !slices.Contains(strings.Split(opts, ","), "omitempty") && !slices.Contains(strings.Split(opts, ","), "omitzero") {
			required = append(required, name)
		}
	}
	out := obj("type", "object", "properties", props)
	if len(required) > 0 {
		out.set("required", required)
	}
	return out
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// stringParams are the path parameters that are not numeric ids.
var stringParams = map[string]bool{"inbox_identifier": true, "source_id": true}

func (s *Server) buildOpenAPI() []byte {
	b := newSchemaBuilder()
	paths := obj()
	var tags []any
	seenTag := map[string]bool{}
	for _, rt := range s.documented {
		item, _ := paths.vals[rt.Path].(*ordered)
		if item == nil {
			item = obj()
			paths.set(rt.Path, item)
		}
		if !seenTag[rt.Tag] {
			seenTag[rt.Tag] = true
			tags = append(tags, obj("name", rt.Tag))
		}
		op := obj("summary", rt.Summary, "tags", []string{rt.Tag},
			"operationId", strings.ToLower(rt.Method)+strings.NewReplacer("/", "_", "{", "", "}", "").Replace(rt.Path))
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			typ := "integer"
			if stringParams[m[1]] {
				typ = "string"
			}
			params = append(params, obj("name", m[1], "in", "path", "required", true, "schema", obj("type", typ)))
		}
		for _, q := range rt.Query {
			schema := obj("type", q.Type)
			if strings.HasSuffix(q.Name, "[]") {
				// Rails' array parameter: labels[]=a&labels[]=b.
				schema = obj("type", "array", "items", schema)
			}
			params = append(params, obj("name", q.Name, "in", "query", "schema", schema, "description", q.Description))
		}
		if len(params) > 0 {
			op.set("parameters", params)
		}
		switch rt.Auth {
		case authPlatform:
			op.set("security", []any{obj("platformToken", []string{})})
		case authUser, authAccount, authAdmin:
			op.set("security", []any{obj("userToken", []string{})})
		default:
			op.set("security", []any{})
		}
		switch rt.Auth {
		case authAdmin:
			op.set("description", "Administrators of the account only.")
		case authClientInbox:
			op.set("description", "No token: the API inbox's identifier is the credential. Open to browsers on any site (CORS).")
		case authClientVisitor:
			op.set("description", "No token: the inbox identifier and the contact's source_id are the credentials. Open to browsers on any site (CORS).")
		}
		if rt.Body != nil {
			schema := b.schema(reflect.TypeOf(rt.Body), false)
			content := obj("application/json", obj("schema", schema))
			if rt.Wrapper != "" {
				// Rails' ParamsWrapper: the same keys, wrapped or not.
				content = obj("application/json", obj("schema", obj("anyOf", []any{schema,
					obj("type", "object", "properties", obj(rt.Wrapper, schema), "required", []string{rt.Wrapper})})))
			}
			op.set("requestBody", obj("content", content))
		}
		responses := obj()
		ok := obj("description", "Success")
		switch {
		case rt.Reply != nil:
			ok.set("content", obj("application/json", obj("schema", b.schema(reflect.TypeOf(rt.Reply), true))))
		case rt.Path == "/openapi.json":
			ok.set("content", obj("application/json", obj("schema", obj("type", "object"))))
		}
		responses.set("200", ok)
		if rt.Body != nil {
			responses.set("400", obj("$ref", "#/components/responses/BadRequest"))
		}
		if rt.Auth != authPublic && rt.Auth != authClientInbox && rt.Auth != authClientVisitor {
			responses.set("401", obj("$ref", "#/components/responses/Unauthorized"))
		}
		if strings.Contains(rt.Path, "{") {
			responses.set("404", obj("$ref", "#/components/responses/NotFound"))
		}
		if rt.Body != nil {
			responses.set("413", obj("$ref", "#/components/responses/TooLarge"))
			responses.set("415", obj("$ref", "#/components/responses/UnsupportedMediaType"))
		}
		if rt.Body != nil || len(rt.Query) > 0 {
			responses.set("422", obj("$ref", "#/components/responses/Invalid"))
		}
		responses.set("default", obj("$ref", "#/components/responses/Error"))
		op.set("responses", responses)
		item.set(strings.ToLower(rt.Method), op)
	}
	errSchema := obj("type", "object", "properties", obj("error", obj("type", "string")), "required", []string{"error"})
	errContent := obj("application/json", obj("schema", errSchema))
	validationSchema := obj("type", "object", "properties", obj("message", obj("type", "string"), "attributes", obj("type", "array", "items", obj("type", "string"))),
		"required", []string{"message", "attributes"})
	doc := obj(
		"openapi", "3.1.0",
		"info", obj("title", "Parley API", "version", s.version,
			"description", "Chatwoot-compatible Application, Platform and public Client APIs served by Parley. Request bodies are accepted wrapped ({\"contact\": {...}}) or unwrapped."),
		"tags", tags,
		"paths", paths,
		"components", obj(
			"schemas", b.components,
			"securitySchemes", obj(
				"userToken", obj("type", "apiKey", "in", "header", "name", "api_access_token", "description", "A user's access token"),
				"platformToken", obj("type", "apiKey", "in", "header", "name", "api_access_token", "description", "PARLEY_PLATFORM_TOKEN"),
			),
			"responses", obj(
				"BadRequest", obj("description", "The request body is not a JSON object or form", "content", errContent),
				"Unauthorized", obj("description", "Missing or invalid token, or not allowed", "content", errContent),
				"NotFound", obj("description", "Resource could not be found", "content", errContent),
				"TooLarge", obj("description", "The request body is larger than 1 MiB", "content", errContent),
				"UnsupportedMediaType", obj("description", "The request body is neither JSON nor a form", "content", errContent),
				"Invalid", obj("description", "Validation failed: {\"message\", \"attributes\"}, or {\"error\"} where Chatwoot answers so (message create, contact search)",
					"content", obj("application/json", obj("schema", obj("anyOf", []any{validationSchema, errSchema})))),
				"Error", obj("description", "Any other error (403, 500, 503)", "content", errContent),
			),
		),
	)
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err) // the document is built from static types; failing is a bug
	}
	return out
}

func (s *Server) openAPI(c *call) (any, error) {
	s.openapiOnce.Do(func() { s.openapiDoc = s.buildOpenAPI() })
	return rawJSON(s.openapiDoc), nil
}

// health answers the liveness check, touching the database.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

func (s *Server) health(c *call) (any, error) {
	if err := s.svc.Ping(c.ctx()); err != nil {
		return nil, err
	}
	return health{Status: "ok", Version: s.version}, nil
}

// metricsText is a response already in Prometheus' text format.
type metricsText []byte

func (s *Server) serveMetrics(c *call) (any, error) {
	var buf bytes.Buffer
	if s.metrics != nil {
		s.metrics(&buf)
	}
	return metricsText(buf.Bytes()), nil
}
