// An upload endpoint: POST a multipart/form-data body to /upload and get back, for each file,
// its name, type, size and SHA-256, and the text fields as they came. URLPattern routes.
const upload = new URLPattern({ pathname: "/upload" });

async function sha256(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export default {
  async fetch(request) {
    if (!upload.test(request.url)) return new Response("Not found", { status: 404 });
    if (request.method !== "POST") return new Response("Use POST", { status: 405, headers: { allow: "POST" } });
    let form;
    try {
      form = await request.formData();
    } catch (e) {
      return Response.json({ error: e.message }, { status: 400 });
    }
    const files = [];
    const fields = {};
    for (const [name, value] of form) {
      if (value instanceof File) {
        files.push({ field: name, name: value.name, type: value.type, size: value.size, sha256: await sha256(value) });
      } else {
        fields[name] = value;
      }
    }
    return Response.json({ files, fields });
  },
};
