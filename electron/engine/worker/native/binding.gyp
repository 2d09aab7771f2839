{
  "targets": [
    {
      "target_name": "queuectl_spawn",
      "sources": ["spawn.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS=='win'", { "type": "none", "sources": [] }]]
    }
  ]
}
