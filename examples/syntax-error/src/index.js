// This worker does not parse: molt must say where, and not start.
export default {
  async fetch(request) {
    return new Response("never" +);
  },
};
