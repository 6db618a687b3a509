// The SDK is published for browsers' bundlers: ES modules in files Node takes
// for CommonJS (its package.json has no "type": "module"), importing each
// other without the ".js" extension. These hooks let Node load it as it is.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (specifier.startsWith(".") && !specifier.endsWith(".js")) {
      return next(specifier + ".js", context);
    }
    throw e;
  }
}

export async function load(url, context, next) {
  if (url.includes("/improv-wifi-serial-sdk/dist/")) {
    return next(url, { ...context, format: "module" });
  }
  return next(url, context);
}
