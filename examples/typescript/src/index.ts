// A TypeScript worker: types, enums, generics, and text and data modules.
import greeting from "./greeting.txt";
import data from "./data.bin";

interface Env {
  GREETING?: string;
}

enum Shape {
  Circle = "circle",
  Square = "square",
}

function area(shape: Shape, size: number): number {
  return shape === Shape.Circle ? Math.round(Math.PI * size * size) : size * size;
}

class Counter<T> {
  #items: T[] = [];
  add(item: T): this {
    this.#items.push(item);
    return this;
  }
  get size(): number {
    return this.#items.length;
  }
}

async function* numbers(limit: number): AsyncGenerator<number> {
  for (let i = 1; i <= limit; i++) yield i;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/text") return new Response(greeting);
    if (url.pathname === "/data") {
      const bytes = new Uint8Array(data as ArrayBuffer);
      return Response.json({ isArrayBuffer: data instanceof ArrayBuffer, bytes: Array.from(bytes) });
    }
    let sum = 0;
    for await (const n of numbers(4)) sum += n;
    const counter = new Counter<string>().add("a").add("b");
    return Response.json({
      circle: area(Shape.Circle, 2),
      square: area(Shape.Square, 3),
      count: counter.size,
      sum,
      optional: (env as { MISSING?: { deep?: number } }).MISSING?.deep ?? "default",
    });
  },
} satisfies ExportedHandler<Env>;
