;;; emacs_hidden_frame.el --- grepls's highlights with a narrowed buffer in a hidden frame  -*- lexical-binding: t -*-
;; Run by `emacs -nw' on a 24-line terminal with the README's config and highlight-only snippet.
;; $GREPLS_FIXTURE (every fifth line holds FIXME) is shown in a second terminal frame (C-x 5 2)
;; from its top, then in the first frame above other.txt (one FIXME), where it is narrowed to
;; its second half: the second frame, not on top, is not redisplayed, so its window still
;; starts above the narrowed part.  Records as JSON to $GREPLS_OUT:
;; - other: other.txt's highlights once the pattern FIXME is set (every buffer is drawn again);
;; - typed: the highlights of a FIXME typed at the top of the narrowed part;
;; - stale-before, stale-after: whether the second frame's window starts above the narrowed part,
;;   before the pattern is set and after the edit (the case this drives);
;; - errors: the lines of *Messages* that say a timer or a draw failed.
(require 'json)
(require 'cl-lib)

(defun grepls-hidden--wait (predicate)
  "Wait for PREDICATE, reading the server, without redisplay (which could bring the second frame
up to date)."
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (funcall predicate)))

(defun grepls-hidden--stale (buffer)
  "Whether a window on BUFFER starts above its narrowed part."
  (with-current-buffer buffer
    (and (cl-some (lambda (window) (< (window-start window) (point-min)))
                  (get-buffer-window-list buffer nil t))
         t)))

(defun grepls-hidden--overlays (buffer &optional from to)
  (with-current-buffer buffer
    (cl-remove-if-not (lambda (o) (overlay-get o 'grepls))
                      (overlays-in (or from (point-min)) (or to (point-max))))))

(defun grepls-hidden--open (file)
  (find-file file)
  (unless (eglot-managed-p) (apply #'eglot (eglot--guess-contact)))
  (unless (let ((deadline (+ (float-time) 20)))
            ;; Interactive Emacs stops waiting for the connection when input is pending.
            (while (and (not (eglot-managed-p)) (< (float-time) deadline))
              (accept-process-output nil 0.02)
              (redisplay))
            (eglot-managed-p))
    (error "eglot never managed %s" file))
  (current-buffer))

(setq native-comp-async-report-warnings-errors 'silent)

(let ((ok nil) (report nil) (fixture (getenv "GREPLS_FIXTURE")))
  (condition-case err
      (let* ((other (grepls-hidden--open (expand-file-name "other.txt"
                                                           (file-name-directory fixture))))
             (narrowed (grepls-hidden--open fixture))
             (first-frame (selected-frame)))
        (delete-other-windows)
        (set-window-buffer (split-window) other)  ; the fixture above, other.txt below
        (redisplay t)
        (select-frame-set-input-focus (make-frame))  ; C-x 5 2: the fixture from its top
        (switch-to-buffer narrowed)
        (goto-char (point-min))
        (redisplay t)
        (select-frame-set-input-focus first-frame)
        (redisplay t)
        (with-current-buffer narrowed
          (goto-char (point-min))
          (forward-line 30)
          (narrow-to-region (point) (point-max)))
        (redisplay t)
        (push `(stale-before . ,(grepls-hidden--stale narrowed)) report)
        (grepls-set-pattern "FIXME")
        (grepls-hidden--wait (lambda () (grepls-hidden--overlays other)))
        (push `(other . ,(length (grepls-hidden--overlays other))) report)
        (with-current-buffer narrowed
          (goto-char (point-min))
          (insert "typed FIXME\n"))
        (redisplay t)  ; as after a command: the selected frame only
        (grepls-hidden--wait (lambda () (with-current-buffer narrowed
                                          (grepls-hidden--overlays
                                           narrowed (point-min) (line-end-position 1)))))
        (push `(typed . ,(with-current-buffer narrowed
                           (length (grepls-hidden--overlays
                                    narrowed (point-min) (line-end-position 1)))))
              report)
        (push `(stale-after . ,(grepls-hidden--stale narrowed)) report)
        (setq ok t))
    (error (push `(error . ,(error-message-string err)) report)))
  (push `(errors . ,(vconcat
                     (with-current-buffer "*Messages*"
                       (cl-remove-if-not
                        (lambda (line) (string-match-p "Error running timer\\|cannot draw\\|args-out-of-range" line))
                        (split-string (buffer-string) "\n")))))
        report)
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false)) ,@report)))))
  (kill-emacs (if ok 0 1)))
;;; emacs_hidden_frame.el ends here
