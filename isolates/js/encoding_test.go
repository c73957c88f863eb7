package js

import "testing"

func TestTextDecoderLabels(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "names as workerd reports them", body: `
			return ["latin1", " UTF-16 ", "sjis", "gbk", "koi8-u", "x-user-defined", "iso-8859-8-i", "mac", "unicode-1-1-utf-8"].map((l) => new TextDecoder(l).encoding);`,
			want: `["windows-1252","utf-16le","shift_jis","gbk","koi8-u","x-user-defined","iso-8859-8-i","macintosh","utf-8"]`},
		{name: "unknown label", body: `new TextDecoder("nope");`, errName: "RangeError", errMsg: `"nope" is not a valid encoding.`},
		{name: "replacement labels are refused", body: `new TextDecoder("iso-2022-kr");`, errName: "RangeError", errMsg: `"iso-2022-kr" is not a valid encoding.`},
		{name: "windows-1252 keeps C1 controls", body: `return Array.from(new TextDecoder("latin1").decode(new Uint8Array([0x80, 0x81, 0xe9])), (c) => c.codePointAt(0));`, want: `[8364,129,233]`},
		{name: "iso-8859-2 and koi8-r", body: `
			return [new TextDecoder("iso-8859-2").decode(new Uint8Array([0xa3, 0xf3, 0x64, 0xbc])), new TextDecoder("koi8-r").decode(new Uint8Array([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]))];`,
			want: `["Łódź","Привет"]`},
		{name: "single-byte fatal", body: `new TextDecoder("windows-874", { fatal: true }).decode(new Uint8Array([0xdb]));`,
			errName: "TypeError", errMsg: "Failed to decode input."},
		{name: "utf-8 fatal", body: `new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff]));`,
			errName: "TypeError", errMsg: "Failed to decode input."},
		{name: "utf-16le BOM, odd byte, surrogates", body: `
			const d = new TextDecoder("utf-16le");
			return [d.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), escape(d.decode(new Uint8Array([0x41, 0x00, 0x42]))), d.decode(new Uint8Array([0x3d, 0xd8, 0x00, 0xde]))];`,
			want: `["A","A%uFFFD","😀"]`},
		{name: "utf-16be ignoreBOM keeps it", body: `return escape(new TextDecoder("utf-16be", { ignoreBOM: true }).decode(new Uint8Array([0xfe, 0xff, 0x00, 0x41])));`, want: `"%uFEFFA"`},
		{name: "utf-16 fatal on a lone surrogate", body: `new TextDecoder("utf-16le", { fatal: true }).decode(new Uint8Array([0x00, 0xd8]));`,
			errName: "TypeError", errMsg: "Failed to decode input."},
		{name: "streaming utf-16 splits a pair", body: `
			const d = new TextDecoder("utf-16le");
			const b = new Uint8Array([0x3d, 0xd8, 0x00, 0xde]);
			return [d.decode(b.subarray(0, 1), { stream: true }), d.decode(b.subarray(1, 3), { stream: true }), d.decode(b.subarray(3))];`,
			want: `["","","😀"]`},
		{name: "streaming shift_jis splits a character", body: `
			const d = new TextDecoder("shift_jis");
			const b = new Uint8Array([0x82, 0xa0, 0x82, 0xa2]);
			return d.decode(b.subarray(0, 3), { stream: true }) + "|" + d.decode(b.subarray(3));`, want: `"あ|い"`},
		{name: "streaming utf-8", body: `
			const d = new TextDecoder();
			const b = new TextEncoder().encode("€");
			return [d.decode(b.subarray(0, 2), { stream: true }), d.decode(b.subarray(2))];`, want: `["","€"]`},
		{name: "encodeInto counts UTF-16 units and stops at whole characters", body: `
			const dst = new Uint8Array(5);
			const r = new TextEncoder().encodeInto("a€😀", dst);
			return [r.read, r.written, Array.from(dst)];`, want: `[2,4,[97,226,130,172,0]]`},
		{name: "encodeInto a lone surrogate", body: `
			const r = new TextEncoder().encodeInto("\ud800", new Uint8Array(3));
			return [r.read, r.written];`, want: `[1,3]`},
	}))
}

func TestTextStreams(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "TextEncoderStream joins split surrogate pairs", body: `
			const s = new TextEncoderStream();
			const w = s.writable.getWriter();
			w.write("a\ud83d"); w.write("\ude00b"); w.close();
			return Array.from(new Uint8Array(await new Response(s.readable).arrayBuffer()));`, want: `[97,240,159,152,128,98]`},
		{name: "TextDecoderStream decodes across chunks", body: `
			const bytes = new TextEncoder().encode("héllo wörld");
			const rs = new ReadableStream({ start(c) { for (const b of bytes) c.enqueue(new Uint8Array([b])); c.close(); } });
			const r = rs.pipeThrough(new TextDecoderStream()).getReader();
			let s = "";
			for (;;) { const { value, done } = await r.read(); if (done) break; s += value; }
			return s;`, want: `"héllo wörld"`},
		{name: "TextDecoderStream with a legacy encoding", body: `
			const d = new TextDecoderStream("latin1");
			const w = d.writable.getWriter();
			w.write(new Uint8Array([0xe9])); w.close();
			const { value } = await d.readable.getReader().read();
			return [d.encoding, value];`, want: `["windows-1252","é"]`},
		{name: "TextDecoderStream fatal at the end", body: `
			const d = new TextDecoderStream("utf-8", { fatal: true });
			const w = d.writable.getWriter();
			w.write(new Uint8Array([0xe2, 0x82])).catch(() => {});
			w.close().catch(() => {});
			try { await d.readable.getReader().read(); } catch (e) { return e.message; }`, want: `"Failed to decode input."`},
	}))
}
