declare module "*.txt" {
  const text: string;
  export default text;
}
declare module "*.bin" {
  const data: ArrayBuffer;
  export default data;
}
interface ExportedHandler<Env = unknown> {
  fetch?(request: Request, env: Env): Response | Promise<Response>;
}
