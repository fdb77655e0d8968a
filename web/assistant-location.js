// Where the page finds the Rasa server when no ?rasa_url= is given. null: this page's
// host on port 5005 (make run). nginx in front of several Rasa servers answers this file
// itself with the page's own origin (deploy/nginx/assistant.conf.template).
window.BRIGHTCART_RASA_URL = null;
