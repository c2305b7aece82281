using Sendora.Bench.Baseline;

// A bare Kestrel endpoint that reads Segment's /v1/track and /v1/batch bodies the way the gateway does
// (System.Text.Json, one JsonDocument per request, every message checked for its ids, event and
// properties) and answers {"success":true}. Nothing is stored: it measures what HTTP and JSON alone
// cost on this machine, so the ladder can state Sendora's rate as a share of it.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = SegmentBodies.MaxBatchBytes);

var app = builder.Build();
app.MapPost("/v1/track", (HttpContext context) => SegmentBodies.HandleAsync(context, isBatch: false));
app.MapPost("/v1/batch", (HttpContext context) => SegmentBodies.HandleAsync(context, isBatch: true));
app.MapGet("/healthz", () => Results.Text("ok"));
await app.RunAsync();
