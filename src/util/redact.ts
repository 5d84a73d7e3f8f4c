/** Replace the password of a URL (`scheme://user:pass@host` or `scheme://:pass@host`) with ***, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
