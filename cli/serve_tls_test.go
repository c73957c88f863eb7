package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/platform"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and *.w.test into dir and returns
// a client that trusts it.
func writeCert(t *testing.T, dir string) *http.Client {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "molt test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"*.w.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// With listen.tls_cert and tls_key, the front and the admin API speak HTTPS, and the worker
// sees an https request.url.
func TestServeTLS(t *testing.T) {
	pub, adm := freePort(t), freePort(t)
	dir := testutil.WriteFiles(t, map[string]string{"p.toml": fmt.Sprintf(
		"data_dir = \"data\"\ndomain = \"w.test\"\n[listen]\npublic = \"127.0.0.1:%d\"\nadmin = \"127.0.0.1:%d\"\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n[tenants.acme]\n", pub, adm)})
	cfgPath := filepath.Join(dir, "p.toml")
	if _, errOut, code := cliRun("serve", "-c", cfgPath, "--check"); code == 0 || !strings.Contains(errOut, "tls_cert") {
		t.Errorf("--check without the certificate files: exit %d, %q", code, errOut)
	}
	client := writeCert(t, dir)
	cfg, err := platform.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := platform.CreateToken(cfg, "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, stop := runBackground(t, "serve", "-c", cfgPath)
	defer func() {
		if code := stop(); code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}()
	project := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"echo\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
		"index.js":      "export default { fetch(request) { return new Response(request.url); } };\n",
	})
	b, err := runtime.BuildBundle(runtime.Project{Path: project})
	if err != nil {
		t.Fatal(err)
	}
	c := &platform.Client{URL: fmt.Sprintf("https://127.0.0.1:%d", adm), Token: token, HTTP: client}
	var v platform.Version
	for i := 0; ; i++ {
		if v, err = c.Deploy(context.Background(), "echo", b); err == nil || i == 50 {
			break
		}
		time.Sleep(50 * time.Millisecond) // serve may still be starting
	}
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("https://echo.w.test:%d/", pub); len(v.URLs) == 0 || v.URLs[0] != want {
		t.Errorf("URLs = %v, want %s first", v.URLs, want)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("https://127.0.0.1:%d/p?q", pub), nil)
	req.Host = "echo.w.test"
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "https://echo.w.test/p?q" {
		t.Errorf("request.url = %q", body)
	}
}

func cliRun(args ...string) (string, string, int) {
	var out, errOut strings.Builder
	code := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}
