// Streams a CSV upload back as a JSON array of objects, one row at a time: the body goes
// through TextDecoderStream, a line splitter, a CSV-to-JSON TransformStream and
// TextEncoderStream, so a file of any size is converted without being held in memory.
//
//   curl --data-binary @people.csv http://127.0.0.1:8787/

// lines splits text chunks into lines, whatever the chunk boundaries.
function lines() {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split(/\r?\n/);
      rest = parts.pop();
      for (const line of parts) controller.enqueue(line);
    },
    flush(controller) {
      if (rest !== "") controller.enqueue(rest);
    },
  });
}

// parseRow splits one CSV line, with RFC 4180 quoting ("a, b" and "" for a quote).
function parseRow(line) {
  const cells = [];
  let cell = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { cells.push(cell); cell = ""; }
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

// toJSON turns lines into the text of a JSON array: the first line names the fields.
function toJSON() {
  let header = null, count = 0;
  return new TransformStream({
    transform(line, controller) {
      if (line.trim() === "") return;
      const cells = parseRow(line);
      if (header === null) { header = cells; return; }
      const row = Object.fromEntries(header.map((name, i) => [name, cells[i] ?? null]));
      controller.enqueue((count++ === 0 ? "[\n" : ",\n") + JSON.stringify(row));
    },
    flush(controller) {
      controller.enqueue(count === 0 ? "[]\n" : "\n]\n");
    },
  });
}

export default {
  async fetch(request) {
    if (request.method !== "POST" || !request.body) {
      return new Response("POST a CSV file whose first line names the columns.\n", { status: 405, headers: { allow: "POST" } });
    }
    const json = request.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(lines())
      .pipeThrough(toJSON())
      .pipeThrough(new TextEncoderStream());
    return new Response(json, { headers: { "content-type": "application/json" } });
  },
};
