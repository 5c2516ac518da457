package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
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
// under components/schemas.
type schemaBuilder struct {
	components *ordered
}

var (
	typeInt    = reflect.TypeOf(Int(0))
	typeBool   = reflect.TypeOf(Bool(false))
	typeStr    = reflect.TypeOf(Str(""))
	typeObject = reflect.TypeOf(Object(nil))
	typeTime   = reflect.TypeOf(Time{})
	typeRaw    = reflect.TypeOf(json.RawMessage(nil))
)

var optName = regexp.MustCompile(`^Opt\[`)

func (b *schemaBuilder) schema(t reflect.Type) any {
	switch t {
	case typeInt:
		return obj("type", "integer")
	case typeBool:
		return obj("type", "boolean")
	case typeStr:
		return obj("type", "string")
	case typeObject:
		return obj("type", "object")
	case typeTime:
		return obj("type", []string{"string", "integer"}, "description", "ISO 8601 time or Unix seconds")
	case typeRaw:
		return obj()
	}
	if t.Kind() == reflect.Struct && optName.MatchString(t.Name()) {
		inner := b.schema(t.Field(2).Type)
		return obj("anyOf", []any{inner, obj("type", "null")})
	}
	switch t.Kind() {
	case reflect.Pointer:
		return obj("anyOf", []any{b.schema(t.Elem()), obj("type", "null")})
	case reflect.Slice:
		return obj("type", "array", "items", b.schema(t.Elem()))
	case reflect.Map:
		return obj("type", "object", "additionalProperties", b.schema(t.Elem()))
	case reflect.String:
		return obj("type", "string")
	case reflect.Bool:
		return obj("type", "boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return obj("type", "integer")
	case reflect.Float32, reflect.Float64:
		return obj("type", "number")
	case reflect.Interface:
		return obj()
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return b.structSchema(t)
		}
		if _, done := b.components.vals[name]; !done {
			b.components.set(name, nil) // placeholder for recursive types
			b.components.set(name, b.structSchema(t))
		}
		return obj("$ref", "#/components/schemas/"+name)
	}
	return obj()
}

func (b *schemaBuilder) structSchema(t reflect.Type) *ordered {
	props := obj()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			embedded := b.structSchema(f.Type)
			for _, k := range embedded.vals["properties"].(*ordered).keys {
				props.set(k, embedded.vals["properties"].(*ordered).vals[k])
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := b.schema(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			if o, ok := s.(*ordered); ok && o.vals["$ref"] == nil {
				o.set("description", doc)
			}
		}
		_ = opts
		props.set(name, s)
	}
	return obj("type", "object", "properties", props)
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (s *Server) buildOpenAPI() []byte {
	b := &schemaBuilder{components: obj()}
	paths := obj()
	for _, rt := range s.routes {
		item, _ := paths.vals[rt.Path].(*ordered)
		if item == nil {
			item = obj()
			paths.set(rt.Path, item)
		}
		op := obj("summary", rt.Summary, "tags", []string{rt.Tag},
			"operationId", strings.ToLower(rt.Method)+strings.NewReplacer("/", "_", "{", "", "}", "").Replace(rt.Path))
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, obj("name", m[1], "in", "path", "required", true, "schema", obj("type", "integer")))
		}
		for _, q := range rt.Query {
			params = append(params, obj("name", q.Name, "in", "query", "schema", obj("type", q.Type), "description", q.Description))
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
		if rt.Auth == authAdmin {
			op.set("description", "Administrators of the account only.")
		}
		if rt.Body != nil {
			op.set("requestBody", obj("content", obj("application/json", obj("schema", b.schema(reflect.TypeOf(rt.Body))))))
		}
		responses := obj()
		ok := obj("description", "Success")
		if rt.Reply != nil {
			ok.set("content", obj("application/json", obj("schema", b.schema(reflect.TypeOf(rt.Reply)))))
		}
		responses.set("200", ok)
		if rt.Auth != authPublic {
			responses.set("401", obj("$ref", "#/components/responses/Unauthorized"))
		}
		if strings.Contains(rt.Path, "{") {
			responses.set("404", obj("$ref", "#/components/responses/NotFound"))
		}
		if rt.Body != nil {
			responses.set("422", obj("$ref", "#/components/responses/Invalid"))
		}
		op.set("responses", responses)
		item.set(strings.ToLower(rt.Method), op)
	}
	errSchema := obj("type", "object", "properties", obj("error", obj("type", "string")), "required", []string{"error"})
	doc := obj(
		"openapi", "3.1.0",
		"info", obj("title", "Parley API", "version", s.version,
			"description", "Chatwoot-compatible Application and Platform APIs served by Parley. Request bodies are accepted wrapped ({\"contact\": {...}}) or unwrapped."),
		"paths", paths,
		"components", obj(
			"schemas", b.components,
			"securitySchemes", obj(
				"userToken", obj("type", "apiKey", "in", "header", "name", "api_access_token", "description", "A user's access token"),
				"platformToken", obj("type", "apiKey", "in", "header", "name", "api_access_token", "description", "PARLEY_PLATFORM_TOKEN"),
			),
			"responses", obj(
				"Unauthorized", obj("description", "Missing or invalid token, or not allowed", "content", obj("application/json", obj("schema", errSchema))),
				"NotFound", obj("description", "Resource could not be found", "content", obj("application/json", obj("schema", errSchema))),
				"Invalid", obj("description", "Validation failed", "content", obj("application/json", obj("schema",
					obj("type", "object", "properties", obj("message", obj("type", "string"), "attributes", obj("type", "array", "items", obj("type", "string"))),
						"required", []string{"message", "attributes"})))),
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
