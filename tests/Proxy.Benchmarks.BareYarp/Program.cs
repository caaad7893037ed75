using Proxy.Forwarding;
using Yarp.ReverseProxy.Forwarder;

// A bare YARP forwarder, the floor the benchmark measures the proxy against: every request goes to the upstream
// named by Upstream__BaseUrl through IHttpForwarder with the default transformer, over the proxy's own handler
// settings and the proxy's default timeouts. No quota, no key, no error bodies, no logging past Warning.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddHttpForwarder();
var app = builder.Build();

var defaults = new UpstreamOptions();
var upstream = app.Configuration["Upstream:BaseUrl"] ?? throw new InvalidOperationException("Set Upstream__BaseUrl to the upstream's base URL.");
var destinationPrefix = upstream.TrimEnd('/');
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
using var invoker = new HttpMessageInvoker(UpstreamHandler.Create(defaults.ConnectTimeout), disposeHandler: true);
var requestConfig = new ForwarderRequestConfig { ActivityTimeout = defaults.Timeout };

app.Run(async context => await forwarder.SendAsync(context, destinationPrefix, invoker, requestConfig, HttpTransformer.Default));
app.Run();
