// mkdocs-jupyter's page template loads a MathJax 2 from a CDN unless given another URL; it
// points here instead, and the site's MathJax 3 (javascripts/mathjax.js) typesets notebooks too.
