;;; emacs_scroll.el --- pages down through grepls's highlights in a terminal  -*- lexical-binding: t -*-
;; Run by `emacs -nw' on a 24-line terminal (batch Emacs has no window height: its window ends
;; at the buffer's end). Connects eglot directly, sets the pattern, waits until grepls's overlays
;; cover the lines down to a window's height below the screen, then pages down and counts the
;; drawn lines in view at once, before Emacs can read any answer; then lets redisplay run the
;; scroll hook (which asks for the lines around the new view) and does it again. Writes the pages
;; as JSON to $GREPLS_OUT.
(require 'json)
(require 'cl-lib)

(defun grepls-scroll--lines-with (predicate first last)
  "How many of lines [FIRST, LAST] (1-based) satisfy PREDICATE, called at each line's start."
  (save-excursion
    (goto-char (point-min))
    (forward-line (1- first))
    (let ((count 0))
      (while (and (<= (line-number-at-pos) last) (not (eobp)))
        (when (funcall predicate) (setq count (1+ count)))
        (forward-line 1))
      count)))

(defun grepls-scroll--drawn (first last)
  (grepls-scroll--lines-with
   (lambda () (cl-some (lambda (o) (overlay-get o 'grepls))
                       (overlays-in (line-beginning-position) (line-end-position))))
   first last))

(defun grepls-scroll--matching (first last)
  (grepls-scroll--lines-with
   (lambda () (string-search "TODO" (buffer-substring (line-beginning-position) (line-end-position))))
   first last))

(defun grepls-scroll--wait (predicate)
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (redisplay))
    (funcall predicate)))

;; Native compilation's warnings (a fresh HOME compiles at start) would take half the screen.
(setq native-comp-async-report-warnings-errors 'silent)

(let ((ok nil) (pages nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (delete-other-windows)
        (apply #'eglot (eglot--guess-contact))
        ;; Interactive Emacs stops waiting for the connection when input is pending (the
        ;; terminal's answers to Emacs's queries count): wait for the buffer to be managed.
        (unless (grepls-scroll--wait #'eglot-managed-p)
          (error "eglot never managed the buffer"))
        (grepls-set-pattern "TODO")
        (redisplay)
        (dotimes (_ 2)
          (let ((below (+ (line-number-at-pos (window-end nil t)) (window-body-height))))
            (unless (grepls-scroll--wait
                     (lambda () (= (grepls-scroll--drawn 1 below) (grepls-scroll--matching 1 below))))
              (error "the lines below the screen were not drawn")))
          (scroll-up-command)
          (let ((first (line-number-at-pos (window-start)))
                (last (line-number-at-pos (window-end nil t))))
            (push `((first . ,first) (last . ,last)
                    (painted . ,(grepls-scroll--drawn first last))
                    (matching . ,(grepls-scroll--matching first last)))
                  pages))
          (redisplay))  ; runs `window-scroll-functions'
        (setq ok t))
    (error (setq pages (list `((error . ,(error-message-string err)))))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false)) (pages . ,(vconcat (reverse pages))))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_scroll.el ends here
