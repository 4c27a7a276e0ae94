/** esbuild bundles .css files as their text (`--loader:.css=text`). */
declare module "*.css" {
  const text: string;
  export default text;
}
