// The base classes cloudflare:workers exports (workerd api/worker-rpc, actor.c++): a Durable
// Object class extends DurableObject and gets ctx and env; the others are here so that
// imports of them resolve.
class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class RpcTarget {}

return { DurableObject, WorkerEntrypoint, WorkflowEntrypoint, RpcTarget };
